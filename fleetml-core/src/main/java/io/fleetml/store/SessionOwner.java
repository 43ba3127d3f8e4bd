package io.fleetml.store;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The process that runs a training session: its host, pid and start time. A session whose owner ran on this
 * host and is gone was interrupted (killed, crashed, out of memory or disk), whatever its status says. The
 * start time tells a reused pid from the owner.
 *
 * @param host         host name
 * @param pid          process id
 * @param processStart when the process started, in epoch seconds, or -1 when unknown
 */
public record SessionOwner(String host, long pid, long processStart) implements java.io.Serializable {
    private static final SessionOwner CURRENT = new SessionOwner(hostName(), ProcessHandle.current().pid(),
            startOf(ProcessHandle.current()));

    /** This process. */
    public static SessionOwner current() {
        return CURRENT;
    }

    /** Reads {@link #toString()}'s form {@code host:pid@start}; null for null. */
    public static SessionOwner parse(String text) {
        if (text == null) {
            return null;
        }
        int at = text.lastIndexOf('@');
        int colon = text.lastIndexOf(':', at);
        try {
            return new SessionOwner(text.substring(0, colon), Long.parseLong(text.substring(colon + 1, at)),
                    Long.parseLong(text.substring(at + 1)));
        } catch (RuntimeException e) {
            return new SessionOwner(text, -1, -1); // written by something else: never known to be gone
        }
    }

    /**
     * Whether this owner is known to be gone: it ran on this host, and no process with its pid and start time
     * lives. An owner on another host is never known to be gone; its heartbeat tells instead.
     */
    public boolean gone() {
        if (!host.equals(CURRENT.host) || pid < 0) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        long start = startOf(process.get());
        return processStart >= 0 && start >= 0 && Math.abs(start - processStart) > 2; // the pid was reused
    }

    /**
     * Whether a running session with this owner and last heartbeat was interrupted: its owner is gone, or it
     * ran elsewhere and has not beaten for {@code staleAfter}.
     */
    public boolean interrupted(Instant heartbeat, Duration staleAfter, Instant now) {
        if (gone()) {
            return true;
        }
        return !host.equals(CURRENT.host) && heartbeat != null && heartbeat.plus(staleAfter).isBefore(now);
    }

    @Override
    public String toString() {
        return host + ":" + pid + "@" + processStart;
    }

    private static long startOf(ProcessHandle process) {
        return process.info().startInstant().map(Instant::getEpochSecond).orElse(-1L);
    }

    /** The kernel's host name where there is one (no name lookup), else Java's. */
    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException unknown) {
                return "localhost";
            }
        }
    }
}
