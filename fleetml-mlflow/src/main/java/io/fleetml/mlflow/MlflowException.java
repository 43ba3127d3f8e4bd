package io.fleetml.mlflow;

/**
 * An MLflow server refused a request, or could not be reached after the retries.
 *
 * @see MlflowHttp
 */
public final class MlflowException extends RuntimeException {
    private final int status;
    private final String errorCode;

    /**
     * @param status    the HTTP status, or 0 when no answer came
     * @param errorCode MLflow's error code (e.g. {@code RESOURCE_DOES_NOT_EXIST}), or null
     */
    public MlflowException(String message, int status, String errorCode, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** The HTTP status; 0 when the server did not answer. */
    public int status() {
        return status;
    }

    /** MLflow's error code, e.g. {@code RESOURCE_DOES_NOT_EXIST}, {@code INVALID_PARAMETER_VALUE}; null when the body had none. */
    public String errorCode() {
        return errorCode;
    }

    /** Whether the server said the thing asked for does not exist. */
    public boolean notFound() {
        return "RESOURCE_DOES_NOT_EXIST".equals(errorCode) || status == 404 && errorCode == null;
    }

    /** Whether the server said the thing to create exists already. */
    public boolean alreadyExists() {
        return "RESOURCE_ALREADY_EXISTS".equals(errorCode);
    }

    /** Whether the server did not answer, or answered that it cannot now (after the retries): not the request's fault. */
    public boolean unavailable() {
        return status == 0 || status == 429 || status >= 500;
    }
}
