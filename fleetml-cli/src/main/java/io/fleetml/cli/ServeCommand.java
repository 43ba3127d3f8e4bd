package io.fleetml.cli;

import io.fleetml.command.StoreOption;
import io.fleetml.data.FleetInputException;
import io.fleetml.server.FleetServer;
import io.fleetml.server.ServerConfig;
import io.fleetml.store.FleetStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a store over HTTP: online predictions by registered models (POST /api/v1/models/NAME@ALIAS/predict),",
                "the REST API over sessions, devices and the registry, /health and /metrics (Prometheus).",
                "Prints the URL it listens on, and serves until stopped (Ctrl-C, SIGTERM): requests in flight finish, then the store closes.",
                "The API is described at /api/v1/openapi.json."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Mixin
    StoreOption store;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = ServerConfig.LOCALHOST,
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Registry writes (POST, PUT, DELETE) need 'Authorization: Bearer TOKEN' (default: $FLEETML_TOKEN; none: anyone may write).")
    String token;

    @Option(names = "--token-reads", description = "Every route but /health needs the token, reads and predictions too.")
    boolean tokenReads;

    @Option(names = "--model-cache-mb", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_MODEL_CACHE_MB,
            description = "Bound on the loaded device models, by their stored size (default: ${DEFAULT-VALUE}); fleet models stay loaded besides.")
    long modelCacheMb;

    @Option(names = "--max-body-mb", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_MAX_BODY_MB,
            description = "Largest request body (default: ${DEFAULT-VALUE}); larger ones get 413. A prediction request takes at most "
                    + ServerConfig.DEFAULT_MAX_ROWS + " rows.")
    long maxBodyMb;

    @Override
    public Integer call() {
        String t = token != null ? token : System.getenv("FLEETML_TOKEN");
        if (t != null && t.isBlank()) {
            t = null;
        }
        if (tokenReads && t == null) {
            throw new CommandLine.ParameterException(command.commandLine(), "--token-reads needs a token: give --token or set FLEETML_TOKEN");
        }
        if (port < 0 || port > 65_535) {
            throw new CommandLine.ParameterException(command.commandLine(), "--port must be from 0 to 65535, not " + port);
        }
        if (modelCacheMb < 0 || maxBodyMb < 1 || maxBodyMb > 1024) {
            throw new CommandLine.ParameterException(command.commandLine(), "--model-cache-mb must be 0 or more, --max-body-mb from 1 to 1024");
        }
        ServerConfig config = ServerConfig.local().listening(host, port).withToken(t, tokenReads)
                .withLimits(modelCacheMb << 20, maxBodyMb << 20, ServerConfig.DEFAULT_MAX_ROWS);
        FleetStore s = store.openExisting();
        FleetServer server;
        try {
            server = FleetServer.start(s, config);
        } catch (RuntimeException e) {
            s.close();
            throw new FleetInputException("cannot listen on " + host + ":" + port + ": " + bindFailure(e)
                    + "; choose another with --port (0 picks a free one) or --host", e);
        }
        Stopper stopper = new Stopper(server, s, command.commandLine().getErr());
        PrintWriter out = command.commandLine().getOut();
        out.println("fleetml: serving " + store.dir().toAbsolutePath().normalize() + " at " + server.url() + " (dashboard " + server.url() + "/"
                + (t == null ? "" : tokenReads ? "; token required" : "; token required for writes") + ")");
        out.flush();
        Thread hook = new Thread(stopper::stop, "fleetml-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopper.stopped.await();
        } catch (InterruptedException e) {
            // stopped by whoever ran the command in this JVM (a test, an embedding application)
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            stopper.stop();
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static String bindFailure(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.net.BindException b) {
                return b.getMessage() == null ? "address in use" : b.getMessage();
            }
        }
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    /** Stops once, whoever asks first (the shutdown hook or an interrupt): the server (requests in flight finish), then the store. */
    private static final class Stopper {
        private final FleetServer server;
        private final FleetStore store;
        private final PrintWriter err;
        final CountDownLatch stopped = new CountDownLatch(1);
        private boolean done;

        Stopper(FleetServer server, FleetStore store, PrintWriter err) {
            this.server = server;
            this.store = store;
            this.err = err;
        }

        synchronized void stop() {
            if (done) {
                return;
            }
            done = true;
            try (store) {
                server.close();
            } finally {
                err.println("fleetml: stopped serving");
                err.flush();
                stopped.countDown();
            }
        }
    }
}
