package dev.trainingplatform.cli;

import dev.trainingplatform.contract.CurvePoint;
import dev.trainingplatform.contract.EpochMetrics;
import dev.trainingplatform.contract.EvaluationResult;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG plots of one job: loss and accuracy per epoch, the confusion matrix, a regression's fit. */
final class Plots {

    static final int WIDTH = 900;
    static final int HEIGHT = 600;

    private Plots() {}

    /** @return the files written */
    static List<Path> write(String jobId, List<EpochMetrics> epochs, EvaluationResult evaluation, Path dir)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        String base = jobId.replaceAll("[^A-Za-z0-9._-]", "_");
        List<Path> written = new ArrayList<>();
        if (!epochs.isEmpty()) {
            written.add(save(curves(jobId + ": loss", "loss", epochs, EpochMetrics::getTrainLoss,
                    EpochMetrics::getTestLoss), dir.resolve(base + "-loss.png")));
            if (epochs.stream().anyMatch(m -> m.getTrainAccuracy() != null)) {
                written.add(save(curves(jobId + ": accuracy", "accuracy", epochs, EpochMetrics::getTrainAccuracy,
                        EpochMetrics::getTestAccuracy), dir.resolve(base + "-accuracy.png")));
            }
        }
        if (evaluation != null && !evaluation.getConfusionMatrix().isEmpty()) {
            written.add(save(confusion(jobId, evaluation), dir.resolve(base + "-confusion.png")));
        }
        if (evaluation != null && evaluation.getRegression() != null
                && !evaluation.getRegression().getFittedCurve().isEmpty()) {
            written.add(save(regressionFit(jobId, evaluation.getRegression().getFittedCurve()),
                    dir.resolve(base + "-regression-fit.png")));
        }
        return written;
    }

    private static XYChart curves(String title, String yTitle, List<EpochMetrics> epochs,
                                  Function<EpochMetrics, Double> train, Function<EpochMetrics, Double> test) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        addSeries(chart, "train", epochs, train);
        addSeries(chart, "test", epochs, test);
        return chart;
    }

    private static void addSeries(XYChart chart, String name, List<EpochMetrics> epochs,
                                  Function<EpochMetrics, Double> value) {
        List<Integer> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (EpochMetrics m : epochs) {
            Double v = value.apply(m);
            if (v != null && Double.isFinite(v)) {
                x.add(m.getEpoch());
                y.add(v);
            }
        }
        if (!x.isEmpty()) {
            XYSeries series = chart.addSeries(name, x, y);
            series.setMarker(epochs.size() > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
    }

    private static HeatMapChart confusion(String jobId, EvaluationResult r) {
        List<String> names = r.getClassNames();
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT)
                .title(jobId + ": confusion matrix (rows actual, columns predicted)").xAxisTitle("predicted")
                .yAxisTitle("actual").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(1.0);
        chart.getStyler().setRangeColors(new Color[] {new Color(247, 251, 255), new Color(107, 174, 214),
                new Color(8, 48, 107)});
        List<Number[]> cells = new ArrayList<>();
        int n = r.getConfusionMatrix().size();
        for (int actual = 0; actual < n; actual++) {
            List<Long> row = r.getConfusionMatrix().get(actual);
            for (int predicted = 0; predicted < row.size(); predicted++) {
                // Heat-map rows count upwards; the first class goes at the top, as in the printed table.
                cells.add(new Number[] {predicted, n - 1 - actual, row.get(predicted)});
            }
        }
        List<String> reversed = new ArrayList<>(names);
        java.util.Collections.reverse(reversed);
        chart.addSeries("count", names, reversed, cells);
        return chart;
    }

    private static XYChart regressionFit(String jobId, List<CurvePoint> curve) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(jobId + ": fit over the test data")
                .xAxisTitle("x").yAxisTitle("y").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<CurvePoint> sorted = curve.stream().filter(Objects::nonNull)
                .sorted(java.util.Comparator.comparingDouble(CurvePoint::getX)).toList();
        List<Double> x = sorted.stream().map(CurvePoint::getX).toList();
        XYSeries data = chart.addSeries("data", x, sorted.stream().map(CurvePoint::getYTrue).toList());
        data.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        data.setMarker(SeriesMarkers.CIRCLE);
        XYSeries fit = chart.addSeries("model", x, sorted.stream().map(CurvePoint::getYPredicted).toList());
        fit.setMarker(SeriesMarkers.NONE);
        fit.setLineWidth(3f);
        return chart;
    }

    private static Path save(Chart<?, ?> chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
