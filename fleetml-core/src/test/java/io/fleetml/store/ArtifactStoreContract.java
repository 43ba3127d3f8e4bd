package io.fleetml.store;

import io.fleetml.model.ModelArtifact;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The artifact contract every {@link ArtifactStore} meets, run against each (the local directory store, and the
 * Spark module's Hadoop file systems): packs round-trip, any device id stays inside its pack, a pack is replaced
 * whole, unreadable models are named, packs of older Spark sessions are read, deletion frees what it should.
 */
public abstract class ArtifactStoreContract {
    @TempDir
    protected Path dir;

    /** A store keeping its packs under {@code root}. */
    protected abstract ArtifactStore store(Path root);

    /** Device ids a hostile or careless data set may hold. */
    public static final List<String> HOSTILE_IDS = List.of("../../../OUTSIDE", "..", ".", "/etc/passwd", "a/b", "a%2Fb", "with space",
            "plus+sign", ".hidden", "back\\slash", "new\nline", "ünï", "A", "a", "%", "~", "nul\0byte", "!/trick/", "x".repeat(200));

    protected static ArtifactStore.DeviceArtifact artifact(String device, byte[] model) {
        return new ArtifactStore.DeviceArtifact(device, new ModelArtifact("model.json", model),
                ("{\"model_file\":\"model.json\",\"device\":" + device.length() + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void packsRoundTripAndNoDeviceIdNamesAPathOutsideItsEntry() throws IOException {
        Path root = dir.resolve("store/artifacts");
        List<ArtifactStore.DeviceArtifact> artifacts = new ArrayList<>();
        for (String id : HOSTILE_IDS) {
            artifacts.add(artifact(id, id.getBytes(StandardCharsets.UTF_8)));
        }
        byte[] big = new byte[100_000]; // a deflated entry
        big[5] = 7;
        artifacts.add(artifact("big", big));
        try (ArtifactStore store = store(root)) {
            List<String> uris = store.writePack("s1", "part-00003", artifacts);
            assertEquals(artifacts.size(), new HashSet<>(uris).size(), "distinct ids, distinct models");
            for (int i = 0; i < artifacts.size(); i++) {
                String uri = uris.get(i);
                assertTrue(uri.startsWith(store.root() + "s1/part-00003.zip!/"), uri);
                assertEquals(artifacts.get(i).deviceId(), ModelUri.parse(uri).deviceId());
                assertArrayEquals(artifacts.get(i).model().bytes(), store.read(uri).bytes(), artifacts.get(i).deviceId());
                assertArrayEquals(artifacts.get(i).meta(), store.meta(uri));
                assertEquals("model.json", store.read(uri).fileName());
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(List.of(root.resolve("s1/part-00003.zip")), files.filter(Files::isRegularFile).toList(), "one pack, nothing else anywhere");
        }
        try (ZipFile zip = new ZipFile(root.resolve("s1/part-00003.zip").toFile())) {
            Set<String> folders = new HashSet<>();
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                String[] parts = e.getName().split("/");
                assertEquals(2, parts.length, "one folder per device, then the file: " + e.getName());
                assertFalse(parts[0].isEmpty() || parts[0].startsWith("."), "no empty, dot or hidden folder: " + e.getName());
                assertTrue(parts[0].matches("[A-Za-z0-9_.%-]+"), "plain characters only: " + e.getName());
                folders.add(parts[0]);
                long written = e.getTime();
                assertTrue(Math.abs(System.currentTimeMillis() - written) < 60_000, "entries carry the time they were written");
            }
            assertEquals(artifacts.size(), folders.size());
            assertNotNull(zip.getEntry("%2E.%2F..%2F..%2FOUTSIDE/model.json"), "a plain zip any tool can open");
        }
    }

    @Test
    void anEmptyDeviceIdNamesNoModel() {
        try (ArtifactStore store = store(dir)) {
            assertThrows(IllegalArgumentException.class, () -> store.writePack("s", "part-00000", List.of(artifact("", new byte[1]))));
        }
    }

    @Test
    void rewritingAPackReplacesItWholeAndLeavesNoTemporaryFile() throws IOException {
        try (ArtifactStore store = store(dir)) {
            String first = store.writePack("s", "part-00000", List.of(artifact("a", "old".getBytes()))).get(0);
            assertEquals("old", new String(store.read(first).bytes()));
            String again = store.writePack("s", "part-00000", List.of(artifact("a", "new".getBytes()))).get(0);
            assertEquals(first, again, "deterministic path");
            assertEquals("new", new String(store.read(again).bytes()));
            try (Stream<Path> files = Files.list(dir.resolve("s"))) {
                assertEquals(List.of(dir.resolve("s/part-00000.zip")), files.filter(f -> !f.getFileName().toString().endsWith(".crc")).toList());
            }
        }
    }

    @Test
    void readingAMissingOrCorruptModelNamesItAndTheDevice() throws IOException {
        try (ArtifactStore store = store(dir)) {
            String uri = store.writePack("s", "part-00000", List.of(artifact("a", "x".getBytes()))).get(0);
            NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> store.read(uri.replace("!/a/", "!/zz/")));
            assertTrue(missing.getMessage().contains("device zz"), missing.getMessage());
            IOException gone = assertThrows(IOException.class, () -> store.read(store.root() + "gone.zip!/a/"));
            assertTrue(gone.getMessage().contains("gone.zip") && gone.getMessage().contains("device a"), gone.getMessage());
            Files.write(dir.resolve("s/bad.zip"), "not a zip at all".getBytes());
            IOException corrupt = assertThrows(IOException.class, () -> store.read(store.root() + "s/bad.zip!/a/"));
            assertTrue(corrupt.getMessage().contains("bad.zip"), corrupt.getMessage());
            assertThrows(IOException.class, () -> store.read(store.root() + "s/bad.zip!/b/"), "every device of it, without re-reading");
            assertThrows(IllegalArgumentException.class, () -> ModelUri.parse("file:///x/model.zip"));
        }
    }

    @Test
    void aDeviceFolderOfAnOlderSparkSessionIsRead() throws IOException {
        Path device = Files.createDirectories(dir.resolve("s/station%3D7"));
        Files.writeString(device.resolve("meta.json"), "{\"model_file\":\"model.ubj\"}");
        Files.write(device.resolve("model.ubj"), new byte[] {1, 2, 3});
        try (ArtifactStore store = store(dir)) {
            String uri = device.toUri().toString();
            assertArrayEquals(new byte[] {1, 2, 3}, store.read(uri).bytes());
            assertEquals("model.ubj", store.read(uri).fileName());
            assertEquals("{\"model_file\":\"model.ubj\"}", new String(store.meta(uri), StandardCharsets.UTF_8));
            assertTrue(store.deletePacks(List.of(uri)).isEmpty());
            assertFalse(Files.exists(dir.resolve("s")), "the device folder, then its empty session folder");
        }
    }

    @Test
    void deletingPacksRemovesThemAndTheirEmptySessionFolder() throws IOException {
        try (ArtifactStore store = store(dir)) {
            String a = ModelUri.packOf(store.writePack("s", "part-00000", List.of(artifact("a", new byte[1]))).get(0));
            String b = ModelUri.packOf(store.writePack("s", "part-00001", List.of(artifact("b", new byte[1]))).get(0));
            assertTrue(store.deletePacks(List.of(a)).isEmpty());
            assertFalse(Files.exists(dir.resolve("s/part-00000.zip")));
            assertTrue(Files.exists(dir.resolve("s/part-00001.zip")), "the other stays, and so does its folder");
            assertThrows(IOException.class, () -> store.read(a + "!/a/"), "a deleted pack is not read from memory");
            assertTrue(store.deletePacks(List.of(b)).isEmpty());
            assertFalse(Files.exists(dir.resolve("s")));
        }
    }

    @Test
    void temporaryFilesAnInterruptedWriterLeftAreRemoved() throws IOException {
        try (ArtifactStore store = store(dir)) {
            store.writePack("s", "part-00000", List.of(artifact("a", new byte[1])));
            Files.write(dir.resolve("s").resolve(ArtifactFiles.temporaryName("part-00001.zip")), new byte[10]);
            assertEquals(1, store.deleteTemporaryFiles(store.root() + "s/"));
            try (Stream<Path> files = Files.list(dir.resolve("s"))) {
                assertEquals(List.of("part-00000.zip"), files.map(f -> f.getFileName().toString()).filter(f -> !f.endsWith(".crc")).toList());
            }
            assertEquals(0, store.deleteTemporaryFiles(store.root() + "nothing-here/"));
        }
    }
}
