package io.fleetml.cli;

import io.fleetml.engine.Progress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.temporal.ChronoUnit;

/** Devices done / total, rate and ETA on a terminal; nothing when output is not a terminal. */
final class TerminalProgress implements Progress {
    private ProgressBar bar;

    static Progress forConsole() {
        return System.console() != null ? new TerminalProgress() : Progress.NONE;
    }

    @Override
    public void start(String task, long devices) {
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(devices).setUnit(" devices", 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setSpeedUnit(ChronoUnit.SECONDS)
                .setUpdateIntervalMillis(200).setMaxRenderedLength(100).build();
    }

    @Override
    public void advance(long devices) {
        if (bar != null) {
            bar.stepBy(devices);
        }
    }

    @Override
    public void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
