// The few chart shapes the pages use, as ECharts options. ECharts (a WebJar in the server's jar) draws them on canvas.
// It is 1 MB: it loads beside the pages' API calls (load() at start), not before them.
import { num } from './dom.js';

const LIBRARY = '/webjars/echarts/5.3.1/dist/echarts.esm.min.js';
let loading = null;
let echarts = null;

/** Starts loading ECharts (once); resolves with it. */
export function load() {
  loading ||= import(LIBRARY).then((m) => { echarts = m; return m; });
  return loading;
}

const live = new Set();
// ECharts puts a tooltip formatter's string into the page as HTML: everything in them is escaped (device ids are data)
const tip = (f) => (p) => echarts.format.encodeHTML(f(p));
const BAR = '#4a78b5';
const OVER = '#c8833a';
const WORST = '#c0392b';

window.addEventListener('resize', () => live.forEach((c) => c.resize()));

/** Disposes every chart drawn so far (on leaving a page). */
export function disposeAll() {
  live.forEach((c) => c.dispose());
  live.clear();
}

/**
 * Draws option in el (a container with a size from the style sheet); resolves with the chart once ECharts has
 * drawn it, and marks the element data-drawn="true" (or "timeout" when ECharts did not say so within 3 s).
 */
export async function draw(el, option, onClick) {
  await load();
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  live.add(chart);
  const drawn = new Promise((resolve) => {
    let settled = false;
    const done = (how) => {
      if (settled) return;
      settled = true;
      el.dataset.drawn = how;
      resolve(chart);
    };
    chart.on('finished', () => done('true'));
    setTimeout(() => done('timeout'), 3000); // drawn or not, don't hold the page's readiness for ever
  });
  if (onClick) chart.on('click', onClick);
  chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
  return drawn;
}

const grid = { left: 56, right: 16, top: 36, bottom: 48, containLabel: false };

function axisLabel(v) {
  return num(v, 3);
}

/**
 * A histogram from the API's {bins:[{lo,hi,count}], below, above}: one bar per bin, and the devices clipped below
 * the first bin and above the last as bars of their own, in another colour, at the two ends.
 */
export function histogram(el, hist, title) {
  const bins = hist.bins || [];
  const labels = [];
  const data = [];
  if (hist.below) {
    labels.push('< ' + axisLabel(bins.length ? bins[0].lo : hist.min));
    data.push({ value: hist.below, itemStyle: { color: OVER }, range: 'below the range' });
  }
  for (const b of bins) {
    labels.push(axisLabel(b.lo) + '–' + axisLabel(b.hi));
    data.push({ value: b.count, range: `${num(b.lo)} to ${num(b.hi)}` });
  }
  if (hist.above) {
    labels.push('> ' + axisLabel(bins.length ? bins[bins.length - 1].hi : hist.max));
    data.push({ value: hist.above, itemStyle: { color: OVER }, range: 'above the range' });
  }
  return draw(el, {
    title: { text: title, left: 8, textStyle: { fontSize: 13 } },
    grid: { ...grid, top: 52 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: tip((ps) => `${ps[0].data.range}: ${ps[0].value} devices`) },
    xAxis: { type: 'category', data: labels, axisLabel: { fontSize: 10, hideOverlap: true }, name: hist.scale === 'log' ? '(log-spaced bins)' : '', nameLocation: 'middle', nameGap: 32 },
    yAxis: { type: 'value', name: 'devices', minInterval: 1 },
    series: [{ type: 'bar', data, barCategoryGap: '8%', itemStyle: { color: BAR } }],
  });
}

function centre(edges, i, log) {
  const lo = edges[i];
  const hi = edges[i + 1];
  return log && lo > 0 && hi > 0 ? Math.sqrt(lo * hi) : (lo + hi) / 2;
}

function sized(cells, maxCount) {
  return (v) => 4 + 16 * Math.sqrt(v[2] / maxCount);
}

/**
 * Binned devices as a sized scatter: one circle per non-empty cell of the server's grid at the cell's centre, its
 * area the number of devices; points (optional) drawn individually on top, clickable.
 */
export function binnedScatter(el, spec) {
  const { xEdges, yEdges, cells, xLog, yLog, xName, yName, title, points, pointName, diagonal, onPoint } = spec;
  const maxCount = Math.max(1, ...cells.map((c) => c[2]));
  const series = [{
    name: 'devices per cell',
    type: 'scatter',
    data: cells.map(([xi, yi, n]) => [centre(xEdges, xi, xLog), centre(yEdges, yi, yLog), n]),
    symbolSize: sized(cells, maxCount),
    itemStyle: { color: BAR, opacity: 0.6 },
    tooltip: { formatter: tip((p) => `${p.value[2]} devices near ${yName} ${num(p.value[1])}, ${xName} ${num(p.value[0])}`) },
  }];
  if (points && points.length) {
    // a worst device is often beyond the axis (the range is the 1st-99th percentile): drawn at the edge as a triangle
    // pointing the way it lies, its own value in the tooltip
    const yLo = yEdges[0];
    const yHi = yEdges[yEdges.length - 1];
    series.push({
      name: pointName,
      type: 'scatter',
      data: points.map((p) => {
        const beyond = p.y < yLo ? 'below' : p.y > yHi ? 'above' : null;
        return { value: [p.x, Math.min(yHi, Math.max(yLo, p.y))], name: p.id, actual: p.y,
          symbol: beyond ? 'triangle' : 'diamond', symbolRotate: beyond === 'below' ? 180 : 0, symbolSize: beyond ? 9 : 7 };
      }),
      symbol: 'diamond', // the legend's; each point says its own
      itemStyle: { color: WORST },
      cursor: 'pointer',
      tooltip: { formatter: tip((p) => `${p.name}: ${yName} ${num(p.data.actual)}, ${xName} ${num(p.value[0])}`
        + (p.data.actual !== p.value[1] ? ' (beyond the axis)' : '') + ' (click to open)') },
    });
  }
  if (diagonal) {
    const lo = xEdges[0];
    const hi = xEdges[xEdges.length - 1];
    series.push({ name: 'A = B', type: 'line', data: [[lo, lo], [hi, hi]], symbol: 'none', silent: true,
      lineStyle: { color: '#888', type: 'dashed', width: 1 } });
  }
  const axis = (log, name, edges) => ({
    type: log ? 'log' : 'value', name, nameLocation: 'middle', nameGap: 30, min: edges[0], max: edges[edges.length - 1],
    axisLabel: { formatter: axisLabel, fontSize: 10 }, splitLine: { lineStyle: { color: '#eee' } },
  });
  return draw(el, {
    title: { text: title, left: 8, textStyle: { fontSize: 13 } },
    grid: { ...grid, left: 64 },
    legend: { top: 4, right: 8, data: series.filter((s) => s.type === 'scatter').map((s) => s.name) },
    tooltip: { trigger: 'item' },
    xAxis: axis(xLog, xName, xEdges),
    yAxis: axis(yLog, yName, yEdges),
    series,
  }, onPoint ? (p) => { if (p.seriesName === pointName && p.data && p.data.name) onPoint(p.data.name); } : null);
}

/** Horizontal bars: [{label, value}], largest first at the top. */
export function bars(el, items, title, valueName) {
  const rows = [...items].reverse();
  return draw(el, {
    title: { text: title, left: 8, textStyle: { fontSize: 13 } },
    grid: { left: 120, right: 24, top: 32, bottom: 28 },
    tooltip: { trigger: 'item', formatter: tip((p) => `${p.name}: ${num(p.value)}`) },
    xAxis: { type: 'value', name: valueName, nameLocation: 'middle', nameGap: 22, axisLabel: { formatter: axisLabel, fontSize: 10 } },
    yAxis: { type: 'category', data: rows.map((r) => r.label), axisLabel: { fontSize: 11, width: 110, overflow: 'truncate' } },
    series: [{ type: 'bar', data: rows.map((r) => r.value), itemStyle: { color: BAR }, barMaxWidth: 22,
      label: { show: true, position: 'right', formatter: (p) => num(p.value), fontSize: 10 } }],
  });
}

/** A metric over time: points [{t: ISO time, y, label}], joined by a line. */
export function history(el, points, title, yName, log) {
  return draw(el, {
    title: { text: title, left: 8, textStyle: { fontSize: 13 } },
    grid: { ...grid, left: 64 },
    tooltip: { trigger: 'item', formatter: tip((p) => `${p.name}: ${yName} ${num(p.value[1])}`) },
    xAxis: { type: 'time', axisLabel: { fontSize: 10, hideOverlap: true } },
    yAxis: { type: log ? 'log' : 'value', name: yName, axisLabel: { formatter: axisLabel, fontSize: 10 }, scale: true },
    series: [{ type: 'line', data: points.map((p) => ({ value: [p.t, p.y], name: p.label })), symbolSize: 8,
      itemStyle: { color: BAR }, lineStyle: { color: BAR } }],
  });
}
