package io.fleetml.resolve;

import io.fleetml.registry.ModelVersion;
import io.fleetml.store.SessionRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * A registered version's models: its session's, named by the version ({@code device/pumps/3}), so that predictions
 * say which version answered, whichever session trained the model.
 */
public final class VersionModels implements ModelResolver, java.io.Serializable {
    private final ModelResolver session;
    private final String version;
    private final List<String> names;

    private VersionModels(ModelResolver session, String version, List<String> names) {
        this.session = session;
        this.version = version;
        this.names = names;
    }

    /** The models {@code sessionModels} resolves for {@code version}'s session, named by the version. */
    public static VersionModels of(ModelResolver sessionModels, ModelVersion version, SessionRecord session) {
        List<String> names = new ArrayList<>();
        names.add(ModelKind.DEVICE.label() + "/" + version.ref());
        if (session.fleet() != null) {
            for (ModelKind k : new ModelKind[] {ModelKind.FLEET, ModelKind.HIERARCHICAL, ModelKind.STACK}) {
                if (session.fleet().has(k)) {
                    names.add(k.label() + "/" + version.ref());
                }
            }
        }
        return new VersionModels(sessionModels, version.ref(), List.copyOf(names));
    }

    @Override
    public ModelRef resolve(String deviceId) {
        ModelRef ref = session.resolve(deviceId);
        return ref == null ? null : ref.ownedBy(version);
    }

    @Override
    public List<String> names() {
        return names;
    }
}
