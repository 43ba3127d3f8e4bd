package io.fleetml.store;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;

/**
 * What a pack store needs of a file system: whole files written under a temporary name and renamed into
 * place, read whole, deleted. {@link LocalFiles} is {@code file:}; the Spark module adds Hadoop's file systems
 * ({@code hdfs:}, {@code s3a:}). Serializable, so that it travels to Spark executors.
 */
public interface ArtifactFiles extends java.io.Serializable {

    /** Writes what the writer produces to a hidden temporary file beside {@code target}, then renames it into place. */
    void write(URI target, ContentWriter content) throws IOException;

    /** The whole file. */
    byte[] read(URI file) throws IOException;

    /** Deletes a file, or a folder with its contents; nothing when there is none. */
    void delete(URI fileOrFolder) throws IOException;

    /** Deletes the hidden temporary files directly in {@code folder}; returns how many. */
    int deleteTemporary(URI folder) throws IOException;

    /** Deletes {@code folder} when it is empty. */
    void deleteIfEmpty(URI folder) throws IOException;

    /** Whether this file system serves {@code uri}. */
    boolean serves(URI uri);

    /** Produces a file's content. */
    @FunctionalInterface
    interface ContentWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /** The name of the temporary file beside {@code name}: hidden, unique per writer, recognisable as temporary. */
    static String temporaryName(String name) {
        return "." + name + "." + java.util.UUID.randomUUID() + ".tmp";
    }

    static boolean isTemporary(String name) {
        return name.startsWith(".") && name.endsWith(".tmp");
    }
}
