package io.fleetml.spark;

import io.fleetml.store.ArtifactFiles;
import io.fleetml.store.ArtifactStore;
import io.fleetml.store.ArtifactStoreContract;
import io.fleetml.store.ModelUri;
import io.fleetml.store.PackArtifactStore;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The artifact contract through Hadoop's code path: {@link HadoopFiles} serving local directories through Hadoop's own
 * local file system (the {@code hadoop-file:} scheme), as executors write {@code hdfs:} or {@code s3a:} packs.
 */
class HadoopPackStoreTest extends ArtifactStoreContract {
    @Override
    protected ArtifactStore store(Path root) {
        return new PackArtifactStore(HadoopFiles.localThroughHadoop(root), HadoopFiles.localThroughHadoop());
    }

    @Test
    void packsGoThroughHadoopNotJavaNio() throws IOException {
        try (ArtifactStore store = store(dir)) {
            assertTrue(store.root().startsWith(HadoopFiles.LOCAL_SCHEME + ":/"), store.root());
            String uri = store.writePack("s", "part-00000-00001", List.of(artifact("../../x", "m".getBytes()))).get(0);
            assertTrue(uri.startsWith(HadoopFiles.LOCAL_SCHEME + ":"), uri);
            assertEquals("../../x", ModelUri.parse(uri).deviceId());
            assertTrue(Files.exists(dir.resolve("s/part-00000-00001.zip")));
            assertEquals("m", new String(store.read(uri).bytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aDeviceFolderOfAnOlderSparkSessionIsReadThroughHadoop() throws IOException {
        // older sessions named a device's folder by its URL-encoded id in the URI: device station=7, folder station=7 on disk
        Path device = Files.createDirectories(dir.resolve("s/station=7"));
        Files.writeString(device.resolve("meta.json"), "{\"model_file\":\"model.ubj\"}");
        Files.write(device.resolve("model.ubj"), new byte[] {1, 2, 3});
        try (ArtifactStore store = store(dir)) {
            String uri = store.root() + "s/station%3D7/";
            assertArrayEquals(new byte[] {1, 2, 3}, store.read(uri).bytes());
            assertEquals("{\"model_file\":\"model.ubj\"}", new String(store.meta(uri), StandardCharsets.UTF_8));
            assertTrue(store.deletePacks(List.of(uri)).isEmpty());
            assertFalse(Files.exists(dir.resolve("s")), "the device folder, then its empty session folder");
        }
    }

    @Test
    void travelsToExecutorsAndServesOnlyItsSchemes() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new HadoopFiles(java.util.Map.of("fs.s3a.endpoint", "http://127.0.0.1:9")));
        }
        ArtifactFiles files;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            files = (ArtifactFiles) in.readObject();
        }
        assertTrue(files.serves(URI.create("hdfs://nn/fleetml/artifacts/s/part-00000.zip")));
        assertTrue(files.serves(URI.create("s3a://bucket/a/s/part-00000.zip")));
        assertFalse(files.serves(URI.create("file:///tmp/a.zip")), "java.nio writes file:");
        assertFalse(HadoopFiles.localThroughHadoop().serves(URI.create("hdfs://nn/a.zip")));
        // a file system Hadoop does not have is a clear IOException, not a crash
        IOException e = assertThrows(IOException.class, () -> files.read(URI.create("nosuchfs://x/a.zip")));
        assertTrue(e.getMessage().contains("nosuchfs"), e.getMessage());
    }
}
