package io.fleetml.spark;

import io.fleetml.store.ArtifactFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model packs on any file system Hadoop has ({@code hdfs:}, {@code s3a:}, {@code abfs:}, {@code gs:}, ...), for
 * {@link io.fleetml.store.PackArtifactStore}: on the driver and, rebuilt from this serializable object, in every
 * task. A pack is written to a hidden temporary name beside it ({@link ArtifactFiles#temporaryName}) and renamed
 * into place, so readers see a whole pack or none, and a retried or speculative task simply replaces it.
 *
 * <p>{@code file:} URIs are not served here: {@code PackArtifactStore} writes them with java.nio, which is faster
 * than Hadoop's local file system (that runs {@code chmod} in a process per directory when Hadoop's native
 * library is missing). {@link #localThroughHadoop()} serves local directories through Hadoop's own local file
 * system all the same, under the scheme {@value #LOCAL_SCHEME}: that is how tests run the artifact contract
 * through this code.
 *
 * <p>Checksum file systems (Hadoop's local one) are used raw: a zip carries a CRC-32 per entry, and Hadoop's
 * {@code .crc} side files would double the files a session leaves.
 */
public final class HadoopFiles implements ArtifactFiles {
    private static final long serialVersionUID = 1L;

    /** The scheme of local paths served through Hadoop's local file system by {@link #localThroughHadoop()}. */
    public static final String LOCAL_SCHEME = "hadoop-file";

    /** Parsing Hadoop's configuration costs milliseconds: once per JVM (driver or executor) and settings, not per task. */
    private static final Map<Map<String, String>, Configuration> CONFIGURATIONS = new ConcurrentHashMap<>();

    private final HashMap<String, String> settings;
    private final boolean localOnly;
    private transient Configuration conf;

    /** @param settings Hadoop settings applied over the defaults of the JVM that uses the files (e.g. {@code fs.s3a.endpoint}) */
    public HadoopFiles(Map<String, String> settings) {
        this(settings, false);
    }

    private HadoopFiles(Map<String, String> settings, boolean localOnly) {
        this.settings = new HashMap<>(settings);
        this.localOnly = localOnly;
    }

    /**
     * The file systems of {@code spark}'s Hadoop configuration, as the driver has it (the cluster's
     * {@code core-site.xml}, {@code spark.hadoop.*} settings, and settings made at run time), shipped to the
     * executors the way Spark's own file sources ship it.
     */
    public static HadoopFiles of(SparkSession spark) {
        Map<String, String> settings = new HashMap<>();
        for (Map.Entry<String, String> e : spark.sparkContext().hadoopConfiguration()) {
            settings.put(e.getKey(), e.getValue());
        }
        return new HadoopFiles(settings);
    }

    /** Serves {@value #LOCAL_SCHEME}{@code :} URIs (local paths) through Hadoop's local file system, and nothing else. */
    public static HadoopFiles localThroughHadoop() {
        return new HadoopFiles(Map.of(), true);
    }

    /** {@code dir} as a {@value #LOCAL_SCHEME}{@code :} URI for {@link #localThroughHadoop()}, ending in {@code /}. */
    public static String localThroughHadoop(java.nio.file.Path dir) {
        String uri = dir.toAbsolutePath().toUri().toString(); // file:///...
        return LOCAL_SCHEME + uri.substring("file".length()) + (uri.endsWith("/") ? "" : "/");
    }

    @Override
    public boolean serves(URI uri) {
        String scheme = uri.getScheme();
        return scheme != null && (localOnly ? scheme.equals(LOCAL_SCHEME) : !scheme.equals("file") && !scheme.equals(LOCAL_SCHEME));
    }

    private Configuration conf() {
        if (conf == null) {
            if (CONFIGURATIONS.size() > 16) {
                CONFIGURATIONS.clear(); // a driver whose Hadoop settings keep changing keeps only the latest ones
            }
            conf = CONFIGURATIONS.computeIfAbsent(settings, s -> {
                Configuration c = new Configuration();
                s.forEach(c::set);
                return c;
            });
        }
        return conf;
    }

    private Path path(URI uri) throws IOException {
        if (!serves(uri)) {
            throw new IOException("not a Hadoop file system URI here: " + uri);
        }
        if (localOnly) {
            String s = uri.toString();
            return new Path(URI.create("file" + s.substring(LOCAL_SCHEME.length())));
        }
        return new Path(uri);
    }

    /** The file system of {@code path}; a checksum file system raw (see the class comment). */
    private FileSystem fs(Path path) throws IOException {
        FileSystem fs = path.getFileSystem(conf());
        return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
    }

    @Override
    public void write(URI target, ContentWriter content) throws IOException {
        Path file = path(target);
        FileSystem fs = fs(file);
        Path tmp = new Path(file.getParent(), ArtifactFiles.temporaryName(file.getName()));
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                content.writeTo(out);
            }
            if (!fs.rename(tmp, file)) {
                // HDFS and object stores do not rename over an existing file: a retried task's pack replaces the first one
                fs.delete(file, false);
                if (!fs.rename(tmp, file)) {
                    if (!fs.exists(file)) {
                        throw new IOException("cannot move " + tmp + " to " + file);
                    }
                    fs.delete(tmp, false); // a speculative twin put its (identical) pack there first
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                fs.delete(tmp, false);
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public byte[] read(URI file) throws IOException {
        Path p = path(file);
        try (FSDataInputStream in = fs(p).open(p)) {
            return in.readAllBytes();
        } catch (FileNotFoundException e) {
            throw new NoSuchFileException(file.toString());
        }
    }

    @Override
    public void delete(URI fileOrFolder) throws IOException {
        Path p = path(fileOrFolder);
        fs(p).delete(p, true);
    }

    @Override
    public int deleteTemporary(URI folder) throws IOException {
        Path dir = path(folder);
        FileSystem fs = fs(dir);
        FileStatus[] files;
        try {
            files = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return 0;
        }
        int n = 0;
        for (FileStatus f : files) {
            if (f.isFile() && ArtifactFiles.isTemporary(f.getPath().getName()) && fs.delete(f.getPath(), false)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void deleteIfEmpty(URI folder) throws IOException {
        Path dir = path(folder);
        FileSystem fs = fs(dir);
        try {
            if (fs.listStatus(dir).length == 0) {
                fs.delete(dir, false);
            }
        } catch (FileNotFoundException e) {
            // gone already
        }
    }

    @Override
    public String toString() {
        return localOnly ? "Hadoop's local file system (" + LOCAL_SCHEME + ":)" : "Hadoop file systems";
    }
}
