package io.fleetml.store;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The address of one device's model: {@code <pack URI>!/<device>/}, e.g.
 * {@code file:///data/fleetml-store/artifacts/20261124-101500-ab12/part-00003.zip!/station%3D7/}.
 * The pack is a plain zip archive; the device's directory in it holds the model file (XGBoost
 * {@code model.ubj} or {@code model.json}) and {@code meta.json}.
 *
 * <p>A device id becomes a directory name by {@linkplain #encode percent-encoding}: whatever a device id holds
 * (slashes, {@code ..}, control characters), its entry stays one directory inside the pack and differs from
 * every other id's. Sessions trained on Spark by fleetml before packs were used there have a directory per
 * device instead ({@code <root>/<session>/<device>/}); those URIs are read as well.
 *
 * @param pack     the zip archive
 * @param deviceId the device, decoded
 */
public record ModelUri(URI pack, String deviceId) {
    private static final String SEPARATOR = "!/";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    public static ModelUri parse(String uri) {
        int at = separatorOf(uri);
        String device = uri.substring(at + SEPARATOR.length(), uri.length() - 1);
        return new ModelUri(URI.create(uri.substring(0, at)), URLDecoder.decode(device, StandardCharsets.UTF_8));
    }

    /** Whether {@code uri} names a device in a pack (else it is a device directory of an older Spark session). */
    public static boolean inPack(String uri) {
        return uri.contains(SEPARATOR);
    }

    /** The pack part of a model URI as written, without parsing it. */
    public static String packOf(String modelUri) {
        return modelUri.substring(0, separatorOf(modelUri));
    }

    /** The device directory part of a model URI as written, without decoding it. */
    static String entryPrefixOf(String modelUri) {
        return modelUri.substring(separatorOf(modelUri) + SEPARATOR.length());
    }

    private static int separatorOf(String uri) {
        int at = uri.lastIndexOf(SEPARATOR);
        if (at < 0 || !uri.endsWith("/")) {
            throw new IllegalArgumentException("not a fleetml model URI (expected <pack>.zip!/<device>/): " + uri);
        }
        return at;
    }

    /** The directory of this device's files inside the pack, with a trailing slash. */
    public String entryPrefix() {
        return encode(deviceId) + "/";
    }

    /**
     * A device id as one directory name: every UTF-8 byte other than an ASCII letter, digit, {@code -},
     * {@code _} or {@code .} becomes {@code %XX}, and so does a leading {@code .}, so that no name is {@code .},
     * {@code ..} or hidden. Distinct ids give distinct names; {@link URLDecoder} reads them back.
     *
     * @throws IllegalArgumentException for an empty id, which names no directory
     */
    public static String encode(String deviceId) {
        if (deviceId.isEmpty()) {
            throw new IllegalArgumentException("an empty device id names no model");
        }
        byte[] utf8 = deviceId.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(utf8.length + 8);
        for (int i = 0; i < utf8.length; i++) {
            int b = utf8[i] & 0xff;
            boolean plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '_'
                    || (b == '.' && i > 0);
            if (plain) {
                out.append((char) b);
            } else {
                out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return pack + SEPARATOR + entryPrefix();
    }
}
