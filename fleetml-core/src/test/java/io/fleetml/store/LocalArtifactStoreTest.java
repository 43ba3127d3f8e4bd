package io.fleetml.store;

import io.fleetml.model.ModelArtifact;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

class LocalArtifactStoreTest {
    @TempDir
    Path dir;

    private static ArtifactStore.DeviceArtifact artifact(String device, byte[] model) {
        return new ArtifactStore.DeviceArtifact(device, new ModelArtifact("model.json", model),
                "{\"model_file\":\"model.json\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void packsRoundTripAndUrisResolveBackForAwkwardDeviceIds() throws IOException {
        byte[] big = new byte[100_000]; // compressed entry
        big[5] = 7;
        try (LocalArtifactStore store = new LocalArtifactStore(dir)) {
            List<String> uris = store.writePack("s1", 3, List.of(artifact("a/b c!", "1".getBytes()), artifact("ünï", big)));
            assertTrue(uris.get(0).endsWith("/s1/part-00003.zip!/a%2Fb+c%21/"), uris.get(0));
            assertEquals("a/b c!", ModelUri.parse(uris.get(0)).deviceId());
            assertArrayEquals("1".getBytes(), store.read(uris.get(0)).bytes());
            assertArrayEquals(big, store.read(uris.get(1)).bytes());
            assertEquals("model.json", store.read(uris.get(0)).fileName());
            assertArrayEquals("1".getBytes(), store.read(uris.get(0).replace("+", "%20")).bytes(), "another spelling of the same device");
            assertEquals("{\"model_file\":\"model.json\"}", new String(store.meta(uris.get(1)), StandardCharsets.UTF_8));
            try (ZipFile zip = new ZipFile(dir.resolve("s1/part-00003.zip").toFile())) {
                assertNotNull(zip.getEntry("a%2Fb+c%21/meta.json"), "a plain zip any tool can open");
                long written = zip.getEntry("a%2Fb+c%21/model.json").getTime();
                assertTrue(Math.abs(System.currentTimeMillis() - written) < 60_000, "entries carry the time they were written: " + written);
            }
        }
    }

    @Test
    void rewritingAPackReplacesItWhole() throws IOException {
        try (LocalArtifactStore store = new LocalArtifactStore(dir)) {
            String first = store.writePack("s", 0, List.of(artifact("a", "old".getBytes()))).get(0);
            assertEquals("old", new String(store.read(first).bytes()));
            String again = store.writePack("s", 0, List.of(artifact("a", "new".getBytes()))).get(0);
            assertEquals(first, again, "deterministic path");
            assertEquals("new", new String(store.read(again).bytes()));
            assertEquals(List.of(dir.resolve("s/part-00000.zip")), Files.list(dir.resolve("s")).toList(), "no temporary files left");
        }
    }

    @Test
    void keepsThePacksReadLastAndReadsOthersAgainFromDisk() throws IOException {
        Path elsewhere = dir.resolve("elsewhere");
        byte[] model = new byte[1_000];
        try (LocalArtifactStore store = new LocalArtifactStore(dir, 2_500); LocalArtifactStore writer = new LocalArtifactStore(elsewhere)) {
            List<String> uris = new java.util.ArrayList<>();
            for (int pack = 0; pack < 3; pack++) {
                model[0] = (byte) pack;
                uris.add(store.writePack("s", pack, List.of(artifact("d" + pack, model))).get(0));
            }
            for (String uri : uris) {
                store.read(uri);
            }
            // the packs change on disk behind the store's back: pack 0 was forgotten, packs 1 and 2 are kept
            for (int pack = 0; pack < 3; pack++) {
                model[0] = (byte) (10 + pack);
                writer.writePack("s", pack, List.of(artifact("d" + pack, model)));
                Files.copy(elsewhere.resolve("s/part-0000" + pack + ".zip"), dir.resolve("s/part-0000" + pack + ".zip"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            assertEquals(2, store.read(uris.get(2)).bytes()[0], "kept");
            assertEquals(1, store.read(uris.get(1)).bytes()[0], "kept");
            assertEquals(10, store.read(uris.get(0)).bytes()[0], "read again");
            assertEquals(12, store.read(uris.get(2)).bytes()[0], "forgotten when pack 0 came back, as least recently read");
        }
    }

    @Test
    void readingAMissingModelNamesIt() throws IOException {
        try (LocalArtifactStore store = new LocalArtifactStore(dir)) {
            String uri = store.writePack("s", 0, List.of(artifact("a", "x".getBytes()))).get(0);
            NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> store.read(uri.replace("!/a/", "!/zz/")));
            assertTrue(e.getMessage().contains("device zz"), e.getMessage());
            assertThrows(NoSuchFileException.class, () -> store.read(dir.toUri() + "gone.zip!/a/"));
            assertThrows(IllegalArgumentException.class, () -> ModelUri.parse("file:///x/model.zip"));
        }
    }
}
