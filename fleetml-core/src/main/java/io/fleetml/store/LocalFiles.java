package io.fleetml.store;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;

/** {@code file:} URIs through java.nio. */
public final class LocalFiles implements ArtifactFiles {
    public static final LocalFiles INSTANCE = new LocalFiles();

    private LocalFiles() {
    }

    private Object readResolve() {
        return INSTANCE;
    }

    @Override
    public boolean serves(URI uri) {
        return "file".equals(uri.getScheme());
    }

    @Override
    public void write(URI target, ContentWriter content) throws IOException {
        Path file = Path.of(target);
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(ArtifactFiles.temporaryName(file.getFileName().toString()));
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                content.writeTo(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    @Override
    public byte[] read(URI file) throws IOException {
        return Files.readAllBytes(Path.of(file));
    }

    @Override
    public void delete(URI fileOrFolder) throws IOException {
        Path path = Path.of(fileOrFolder);
        if (!Files.isDirectory(path)) {
            Files.deleteIfExists(path);
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public int deleteTemporary(URI folder) throws IOException {
        Path dir = Path.of(folder);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (ArtifactFiles.isTemporary(f.getFileName().toString()) && Files.deleteIfExists(f)) {
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public void deleteIfEmpty(URI folder) throws IOException {
        try {
            Files.deleteIfExists(Path.of(folder));
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            // still holds packs another session uses
        }
    }
}
