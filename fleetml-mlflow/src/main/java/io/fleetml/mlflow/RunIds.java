package io.fleetml.mlflow;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * MLflow run ids for fleetml's runs. A session's run id is the session id. A device's nested run id is
 * {@code <session id>_<device id encoded>}: ASCII letters and digits stay as they are, every other UTF-8 byte of the
 * device id becomes {@code -XX} (upper-case hex), so {@code pump-7} is {@code …_pump-2D7} and {@code 17} is
 * {@code …_17}. Any device id survives (slashes, spaces, quotes, non-ASCII, the empty id), distinct ids give distinct
 * run ids, the id reads back exactly, and a run id keeps to {@code [A-Za-z0-9_-]}, which MLflow's clients accept and
 * URLs and artifact paths carry unescaped. The encoded device never holds {@code _}, so the last {@code _} separates
 * the two parts whatever the session id holds.
 */
public final class RunIds {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RunIds() {
    }

    /** A nested run's id and what it names. */
    public record Nested(String sessionId, String deviceId) {
    }

    /** The run id of {@code deviceId}'s run in {@code sessionId}. */
    public static String nested(String sessionId, String deviceId) {
        StringBuilder sb = new StringBuilder(sessionId.length() + 1 + deviceId.length()).append(sessionId).append('_');
        for (byte b : deviceId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && Character.isLetterOrDigit(c)) {
                sb.append(c);
            } else {
                sb.append('-').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
        }
        return sb.toString();
    }

    /** The session and device a nested run id names; null when {@code runId} is not one (no {@code _}, or a bad escape). */
    public static Nested parse(String runId) {
        int at = runId.lastIndexOf('_');
        if (at <= 0) {
            return null;
        }
        ByteArrayOutputStream device = new ByteArrayOutputStream(runId.length() - at);
        for (int i = at + 1; i < runId.length(); i++) {
            char c = runId.charAt(i);
            if (c < 0x80 && Character.isLetterOrDigit(c)) {
                device.write(c);
            } else if (c == '-' && i + 2 < runId.length() && hex(runId.charAt(i + 1)) >= 0 && hex(runId.charAt(i + 2)) >= 0) {
                device.write(hex(runId.charAt(i + 1)) << 4 | hex(runId.charAt(i + 2)));
                i += 2;
            } else {
                return null;
            }
        }
        String id = device.toString(StandardCharsets.UTF_8);
        return nested(runId.substring(0, at), id).equals(runId) ? new Nested(runId.substring(0, at), id) : null; // one spelling per id
    }

    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
}
