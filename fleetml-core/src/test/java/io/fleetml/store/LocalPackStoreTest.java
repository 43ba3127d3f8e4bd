package io.fleetml.store;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LocalPackStoreTest extends ArtifactStoreContract {
    @Override
    protected ArtifactStore store(Path root) {
        return PackArtifactStore.local(root);
    }

    @Test
    void keepsThePacksReadLastAndReadsOthersAgainFromDisk() throws IOException {
        Path elsewhere = dir.resolve("elsewhere");
        byte[] model = new byte[1_000];
        try (PackArtifactStore store = new PackArtifactStore(dir.toUri().toString(), LocalFiles.INSTANCE, 2_500);
             PackArtifactStore writer = PackArtifactStore.local(elsewhere)) {
            List<String> uris = new ArrayList<>();
            for (int pack = 0; pack < 3; pack++) {
                model[0] = (byte) pack;
                uris.add(store.writePack("s", "part-0000" + pack, List.of(artifact("d" + pack, model))).get(0));
            }
            for (String uri : uris) {
                store.read(uri);
            }
            // the packs change on disk behind the store's back: pack 0 was forgotten, packs 1 and 2 are kept
            for (int pack = 0; pack < 3; pack++) {
                model[0] = (byte) (10 + pack);
                writer.writePack("s", "part-0000" + pack, List.of(artifact("d" + pack, model)));
                Files.copy(elsewhere.resolve("s/part-0000" + pack + ".zip"), dir.resolve("s/part-0000" + pack + ".zip"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            assertEquals(2, store.read(uris.get(2)).bytes()[0], "kept");
            assertEquals(1, store.read(uris.get(1)).bytes()[0], "kept");
            assertEquals(10, store.read(uris.get(0)).bytes()[0], "read again");
            assertEquals(12, store.read(uris.get(2)).bytes()[0], "forgotten when pack 0 came back, as least recently read");
        }
    }

    /** A pack too large to read whole for one model (a server's random devices) gives each model read alone. */
    @Test
    void largePacksGiveOneModelAtATime() throws IOException {
        try (PackArtifactStore store = new PackArtifactStore(dir.toUri().toString(), LocalFiles.INSTANCE, 1L << 20, 1)) {
            List<String> uris = new ArrayList<>();
            for (int pack = 0; pack < 3; pack++) {
                List<io.fleetml.store.ArtifactStore.DeviceArtifact> devices = new ArrayList<>();
                for (int d = 0; d < 3; d++) {
                    devices.add(artifact("p" + pack + "/d" + d, new byte[] {(byte) pack, (byte) d}));
                }
                uris.addAll(store.writePack("s", "part-0000" + pack, devices));
            }
            List<String> shuffled = new ArrayList<>(uris);
            java.util.Collections.shuffle(shuffled, new java.util.Random(7));
            for (String uri : shuffled) {
                int i = uris.indexOf(uri);
                assertEquals(List.of((byte) (i / 3), (byte) (i % 3)), List.of(store.read(uri).bytes()[0], store.read(uri).bytes()[1]), uri);
            }
            String missing = uris.get(0).replace("p0%2Fd0", "nobody");
            org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.NoSuchFileException.class, () -> store.read(missing));
            assertEquals(List.of(), store.deletePacks(List.of(uris.get(0).substring(0, uris.get(0).indexOf("!/")))), "an open pack deletes");
            org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> store.read(uris.get(0)), "and is gone");
        }
    }
}
