package io.fleetml.store;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The address of one device's model: {@code <pack URI>!/<device>/}, e.g.
 * {@code file:///data/fleetml-store/artifacts/20261124-101500-ab12/part-00003.zip!/station%3D7/}.
 * The pack is a plain zip archive; the device's directory in it holds the model file (XGBoost
 * {@code model.ubj} or {@code model.json}) and {@code meta.json}. Device ids are URL-encoded.
 *
 * @param pack     the zip archive
 * @param deviceId the device, decoded
 */
public record ModelUri(URI pack, String deviceId) {
    private static final String SEPARATOR = "!/";

    public static ModelUri of(Path pack, String deviceId) {
        return new ModelUri(pack.toAbsolutePath().toUri(), deviceId);
    }

    public static ModelUri parse(String uri) {
        int at = separatorOf(uri);
        String device = uri.substring(at + SEPARATOR.length(), uri.length() - 1);
        return new ModelUri(URI.create(uri.substring(0, at)), URLDecoder.decode(device, StandardCharsets.UTF_8));
    }

    /** The pack part of a model URI as written, without parsing it. */
    static String packOf(String modelUri) {
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
        return URLEncoder.encode(deviceId, StandardCharsets.UTF_8) + "/";
    }

    @Override
    public String toString() {
        return pack + SEPARATOR + entryPrefix();
    }
}
