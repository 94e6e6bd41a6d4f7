package io.vpanel.bench;

import java.util.List;
import java.util.Locale;

/** Small, dependency-free SVG charts for the benchmark report. */
final class SvgChart {
  private static final String[] COLORS = {
    "#2f6fb0", "#d9822b", "#3a9a4a", "#b03a48", "#7a5fb5", "#7f7f7f"
  };
  private static final int WIDTH = 760;
  private static final int HEIGHT = 360;
  private static final int LEFT = 60;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 70;

  private SvgChart() {}

  /** Grouped bars: one group per category, one bar per series; a dashed line at {@code mark}. */
  static String bars(
      String title,
      List<String> categories,
      List<String> series,
      double[][] values,
      double mark,
      String yLabel) {
    double max = mark;
    for (double[] row : values) {
      for (double v : row) {
        max = Math.max(max, v);
      }
    }
    max = niceCeiling(max);
    StringBuilder svg = header(title);
    axis(svg, max, yLabel);
    int plotWidth = WIDTH - LEFT - RIGHT;
    double group = plotWidth / (double) categories.size();
    double bar = group * 0.8 / series.size();
    for (int c = 0; c < categories.size(); c++) {
      double x0 = LEFT + c * group + group * 0.1;
      for (int s = 0; s < series.size(); s++) {
        double v = values[c][s];
        double h = (HEIGHT - TOP - BOTTOM) * v / max;
        svg.append(
            String.format(
                Locale.ROOT,
                "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>%s %s:"
                    + " %.2f</title></rect>%n",
                x0 + s * bar,
                HEIGHT - BOTTOM - h,
                bar * 0.92,
                h,
                COLORS[s % COLORS.length],
                categories.get(c),
                series.get(s),
                v));
      }
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x='%.1f' y='%d' font-size='12' text-anchor='middle'>%s</text>%n",
              x0 + group * 0.4,
              HEIGHT - BOTTOM + 16,
              categories.get(c)));
    }
    double markY = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * mark / max;
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#333' stroke-dasharray='4 3'/>%n",
            LEFT,
            WIDTH - RIGHT,
            markY,
            markY));
    legend(svg, series);
    return svg.append("</svg>\n").toString();
  }

  /** A line on log-log axes: x and y must be positive. */
  static String logLog(String title, double[] x, double[] y, String xLabel, String yLabel) {
    StringBuilder svg = header(title);
    double minX = Math.log10(x[0]);
    double maxX = Math.log10(x[x.length - 1]);
    double minY = Math.floor(Math.log10(min(y)));
    double maxY = Math.ceil(Math.log10(max(y)));
    if (maxY == minY) {
      maxY = minY + 1;
    }
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#333'/>%n",
            LEFT,
            HEIGHT - BOTTOM,
            WIDTH - RIGHT,
            HEIGHT - BOTTOM));
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#333'/>%n",
            LEFT,
            TOP,
            LEFT,
            HEIGHT - BOTTOM));
    for (double e = minY; e <= maxY; e++) {
      double py = HEIGHT - BOTTOM - plotH * (e - minY) / (maxY - minY);
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%s</text>%n",
              LEFT - 6,
              py + 4,
              trim(Math.pow(10, e))));
    }
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < x.length; i++) {
      double px = LEFT + plotW * (maxX == minX ? 0.5 : (Math.log10(x[i]) - minX) / (maxX - minX));
      double py = HEIGHT - BOTTOM - plotH * (Math.log10(y[i]) - minY) / (maxY - minY);
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
      svg.append(
          String.format(
              Locale.ROOT,
              "<circle cx='%.1f' cy='%.1f' r='4' fill='%s'><title>%s: %.2f</title></circle>%n",
              px,
              py,
              COLORS[0],
              trim(x[i]),
              y[i]));
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>%n",
              px,
              HEIGHT - BOTTOM + 16,
              trim(x[i])));
    }
    svg.append(
        String.format(
            "<polyline points='%s' fill='none' stroke='%s' stroke-width='2'/>%n",
            points.toString().trim(), COLORS[0]));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x='%d' y='%d' font-size='12' text-anchor='middle'>%s</text>%n",
            LEFT + plotW / 2,
            HEIGHT - BOTTOM + 40,
            xLabel));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x='14' y='%d' font-size='12' transform='rotate(-90 14 %d)'"
                + " text-anchor='middle'>%s</text>%n",
            TOP + plotH / 2,
            TOP + plotH / 2,
            yLabel));
    return svg.append("</svg>\n").toString();
  }

  private static StringBuilder header(String title) {
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d'"
                + " font-family='sans-serif'>%n<rect width='100%%' height='100%%' fill='white'/>%n",
            WIDTH,
            HEIGHT,
            WIDTH,
            HEIGHT));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x='%d' y='24' font-size='15' font-weight='bold'>%s</text>%n",
            LEFT,
            escape(title)));
    return svg;
  }

  private static void axis(StringBuilder svg, double max, String yLabel) {
    int plotH = HEIGHT - TOP - BOTTOM;
    for (int i = 0; i <= 4; i++) {
      double v = max * i / 4;
      double y = HEIGHT - BOTTOM - plotH * i / 4.0;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/>%n"
                  + "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%s</text>%n",
              LEFT,
              WIDTH - RIGHT,
              y,
              y,
              LEFT - 6,
              y + 4,
              trim(v)));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x='14' y='%d' font-size='12' transform='rotate(-90 14 %d)'"
                + " text-anchor='middle'>%s</text>%n",
            TOP + plotH / 2,
            TOP + plotH / 2,
            escape(yLabel)));
  }

  private static void legend(StringBuilder svg, List<String> series) {
    for (int s = 0; s < series.size(); s++) {
      int x = LEFT + s * 120;
      int y = HEIGHT - 22;
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect x='%d' y='%d' width='12' height='12' fill='%s'/>"
                  + "<text x='%d' y='%d' font-size='12'>%s</text>%n",
              x,
              y - 10,
              COLORS[s % COLORS.length],
              x + 16,
              y,
              escape(series.get(s))));
    }
  }

  private static double niceCeiling(double v) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (v <= step * magnitude) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private static double min(double[] values) {
    double m = Double.MAX_VALUE;
    for (double v : values) {
      m = Math.min(m, v);
    }
    return m;
  }

  private static double max(double[] values) {
    double m = 0;
    for (double v : values) {
      m = Math.max(m, v);
    }
    return m;
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
