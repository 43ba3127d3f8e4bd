package io.fleetml.store;

import io.fleetml.registry.ModelName;
import io.fleetml.registry.ModelRegistry;
import io.fleetml.registry.ModelVersion;
import io.fleetml.registry.RegisteredModel;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registry in the embedded store's SQLite file, on the tracking store's connection and under its lock: a
 * version is one row naming a session, so registering a million-device session writes one row.
 */
final class SqliteModelRegistry implements ModelRegistry {
    private static final String VERSION_COLUMNS = "name, version, session_id, lineage, created_by, created_at, description";
    private final SqliteTrackingStore store;
    /**
     * Versions resolved since the store last changed: a server asks for {@code NAME@ALIAS} on every request, and one
     * {@code PRAGMA data_version} (which moves when another connection commits) costs a fraction of the three queries
     * that resolve it. This handle's own writes clear it.
     */
    private final Map<ModelName, ModelVersion> resolved = new java.util.HashMap<>();
    private long resolvedAt = -1;

    SqliteModelRegistry(SqliteTrackingStore store) {
        this.store = store;
    }

    @Override
    public ModelVersion register(String name, String sessionId, String alias, String description, String user) {
        ModelName.check("model name", name);
        if (alias != null) {
            ModelName.check("alias", alias);
        }
        synchronized (store) {
            store.writable();
            SessionRecord session = store.session(sessionId).orElseThrow(() -> store.noSession(sessionId));
            if (session.status() != SessionStatus.FINISHED) {
                throw StoreException.conflict("session " + sessionId + " is " + session.status() + ", not FINISHED; register a finished session"
                        + (session.status().resumable() ? " (finish this one with: fleetml resume " + sessionId + ")" : ""));
            }
            if (session.summary() != null && session.summary().ok() == 0 && session.fleet() == null) {
                throw StoreException.conflict("session " + sessionId + " has no model to serve: none of its devices trained");
            }
            List<String> lineage = new ArrayList<>();
            for (SessionRecord s = session; s != null && !lineage.contains(s.id()); s = s.parent() == null ? null : store.session(s.parent()).orElse(null)) {
                lineage.add(s.id());
            }
            String now = Instant.now().toString();
            resolved.clear();
            return store.write(() -> {
                try (PreparedStatement ps = store.db.prepareStatement("INSERT OR IGNORE INTO registered_models (name, created_at) VALUES (?, ?)")) {
                    ps.setString(1, name);
                    ps.setString(2, now);
                    ps.executeUpdate();
                }
                int version;
                try (PreparedStatement ps = store.db.prepareStatement("SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE name = ?")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        version = rs.getInt(1);
                    }
                }
                try (PreparedStatement ps = store.db.prepareStatement("INSERT INTO model_versions (" + VERSION_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, name);
                    ps.setInt(2, version);
                    ps.setString(3, sessionId);
                    ps.setString(4, String.join(",", lineage));
                    ps.setString(5, user);
                    ps.setString(6, now);
                    ps.setString(7, description);
                    ps.executeUpdate();
                }
                if (alias != null) {
                    putAlias(name, alias, version, now);
                }
                return find(name, version);
            });
        }
    }

    @Override
    public ModelVersion setAlias(String name, String alias, int version) {
        ModelName.check("alias", alias);
        synchronized (store) {
            store.writable();
            version(new ModelName(name, null, version)); // says which of model and version is missing
            resolved.clear();
            return store.write(() -> {
                putAlias(name, alias, version, Instant.now().toString());
                return find(name, version);
            });
        }
    }

    private void putAlias(String name, String alias, int version, String now) throws SQLException {
        try (PreparedStatement ps = store.db.prepareStatement("INSERT INTO model_aliases (name, alias, version, updated_at) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at")) {
            ps.setString(1, name);
            ps.setString(2, alias);
            ps.setInt(3, version);
            ps.setString(4, now);
            ps.executeUpdate();
        }
    }

    @Override
    public void deleteAlias(String name, String alias) {
        synchronized (store) {
            store.writable();
            model(name);
            resolved.clear();
            int deleted = store.write(() -> {
                try (PreparedStatement ps = store.db.prepareStatement("DELETE FROM model_aliases WHERE name = ? AND alias = ?")) {
                    ps.setString(1, name);
                    ps.setString(2, alias);
                    return ps.executeUpdate();
                }
            });
            if (deleted == 0) {
                throw noAlias(name, alias);
            }
        }
    }

    @Override
    public List<RegisteredModel> models() {
        synchronized (store) {
            return read(null);
        }
    }

    @Override
    public RegisteredModel model(String name) {
        synchronized (store) {
            List<RegisteredModel> one = read(name);
            if (one.isEmpty()) {
                throw noModel(name);
            }
            return one.get(0);
        }
    }

    @Override
    public ModelVersion version(ModelName ref) {
        synchronized (store) {
            try {
                long now = intQuery("PRAGMA data_version");
                if (now != resolvedAt) {
                    resolved.clear();
                    resolvedAt = now;
                }
                ModelVersion known = resolved.get(ref);
                if (known != null) {
                    return known;
                }
                ModelVersion found = resolve(ref);
                if (resolved.size() > 10_000) {
                    resolved.clear();
                }
                resolved.put(ref, found);
                return found;
            } catch (SQLException e) {
                throw StoreException.unavailable("cannot read the registry in " + store.location() + ": " + e.getMessage(), e);
            }
        }
    }

    private ModelVersion resolve(ModelName ref) throws SQLException {
        int version = ref.version();
        if (ref.alias() != null) {
            version = intQuery("SELECT version FROM model_aliases WHERE name = ? AND alias = ?", ref.name(), ref.alias());
            if (version == 0) {
                model(ref.name());
                throw noAlias(ref.name(), ref.alias());
            }
        } else if (version == 0) {
            version = intQuery("SELECT coalesce(max(version), 0) FROM model_versions WHERE name = ?", ref.name());
            if (version == 0) {
                throw noModel(ref.name());
            }
        }
        ModelVersion found = find(ref.name(), version);
        if (found == null) {
            RegisteredModel model = model(ref.name());
            throw StoreException.notFound("model '" + ref.name() + "' has no version " + version + " (its versions: 1 to "
                    + model.latest().version() + ")");
        }
        return found;
    }

    @Override
    public List<ModelVersion> versionsOf(String sessionId) {
        synchronized (store) {
            List<ModelVersion> found = new ArrayList<>();
            try (PreparedStatement ps = store.db.prepareStatement("SELECT name, version FROM model_versions WHERE session_id = ? ORDER BY name, version")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(find(rs.getString(1), rs.getInt(2)));
                    }
                }
                return found;
            } catch (SQLException e) {
                throw StoreException.unavailable("cannot read the registry in " + store.location() + ": " + e.getMessage(), e);
            }
        }
    }

    private int intQuery(String sql, String... args) throws SQLException {
        try (PreparedStatement ps = store.db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /** One version with its aliases, or null. */
    private ModelVersion find(String name, int version) throws SQLException {
        List<String> aliases = new ArrayList<>();
        try (PreparedStatement ps = store.db.prepareStatement("SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias")) {
            ps.setString(1, name);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    aliases.add(rs.getString(1));
                }
            }
        }
        try (PreparedStatement ps = store.db.prepareStatement("SELECT " + VERSION_COLUMNS + " FROM model_versions WHERE name = ? AND version = ?")) {
            ps.setString(1, name);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? version(rs, aliases) : null;
            }
        }
    }

    private static ModelVersion version(ResultSet rs, List<String> aliases) throws SQLException {
        return new ModelVersion(rs.getString(1), rs.getInt(2), rs.getString(3), Arrays.asList(rs.getString(4).split(",")), rs.getString(5),
                rs.getString(6), rs.getString(7), aliases);
    }

    /** Every model, or the one named, with versions and aliases: three queries, whatever the number of versions. */
    private List<RegisteredModel> read(String only) {
        String where = only == null ? "" : " WHERE name = ?";
        try {
            Map<String, String> created = new LinkedHashMap<>();
            try (PreparedStatement ps = store.db.prepareStatement("SELECT name, created_at FROM registered_models" + where + " ORDER BY name")) {
                if (only != null) {
                    ps.setString(1, only);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        created.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            Map<String, Map<String, Integer>> aliases = new TreeMap<>();
            Map<String, List<String>> aliasesOf = new LinkedHashMap<>(); // "name/version" -> aliases
            try (PreparedStatement ps = store.db.prepareStatement("SELECT name, alias, version FROM model_aliases" + where + " ORDER BY name, alias")) {
                if (only != null) {
                    ps.setString(1, only);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        aliases.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getInt(3));
                        aliasesOf.computeIfAbsent(rs.getString(1) + "/" + rs.getInt(3), k -> new ArrayList<>()).add(rs.getString(2));
                    }
                }
            }
            Map<String, List<ModelVersion>> versions = new LinkedHashMap<>();
            try (PreparedStatement ps = store.db.prepareStatement("SELECT " + VERSION_COLUMNS + " FROM model_versions" + where + " ORDER BY name, version")) {
                if (only != null) {
                    ps.setString(1, only);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        versions.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(version(rs, aliasesOf.getOrDefault(rs.getString(1) + "/" + rs.getInt(2), List.of())));
                    }
                }
            }
            List<RegisteredModel> models = new ArrayList<>();
            created.forEach((name, at) -> models.add(new RegisteredModel(name, at, aliases.getOrDefault(name, Map.of()),
                    versions.getOrDefault(name, List.of()))));
            return models;
        } catch (SQLException e) {
            throw StoreException.unavailable("cannot read the registry in " + store.location() + ": " + e.getMessage(), e);
        }
    }

    private StoreException noModel(String name) {
        return StoreException.notFound("no registered model '" + name + "' in " + store.location() + "; list them with: fleetml registry list");
    }

    private StoreException noAlias(String name, String alias) {
        return StoreException.notFound("model '" + name + "' has no alias '" + alias + "'; set it with: fleetml registry alias " + name + " "
                + alias + " VERSION");
    }
}
