// Draws the segment report's charts as SVG from the JSON embedded in the page (scripts/segment_report.py).
const data = JSON.parse(document.getElementById('report-data').textContent);
const NS = 'http://www.w3.org/2000/svg';
const palette = ['#4e79a7','#f28e2b','#e15759','#76b7b2','#59a14f','#edc948','#b07aa1','#ff9da7','#9c755f','#bab0ac','#1f77b4','#2ca02c'];
function el(name, attrs, parent, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  parent.appendChild(node);
  return node;
}
function shade(value) {  // 0..1 -> light to dark blue
  const t = Math.max(0, Math.min(1, value));
  return `rgb(${Math.round(239 - 200 * t)},${Math.round(243 - 140 * t)},${Math.round(255 - 80 * t)})`;
}
function lineChart(svg) {
  const dates = [...new Set(data.sizes.map(r => r[0]))].sort();
  const segments = [...new Set(data.sizes.map(r => r[1]))].sort();
  const max = Math.max(1, ...data.sizes.map(r => r[2]));
  const [w, h, left, top, bottom] = [900, 360, 60, 20, 40];
  const x = i => left + (dates.length === 1 ? (w - left - 220) / 2 : i * (w - left - 220) / (dates.length - 1));
  const y = v => top + (h - top - bottom) * (1 - v / max);
  let marks = 0;
  el('line', {x1: left, y1: y(0), x2: w - 200, y2: y(0), stroke: '#999'}, svg);
  el('text', {x: left - 8, y: y(max), 'text-anchor': 'end', 'font-size': 11}, svg, max);
  dates.forEach((d, i) => el('text', {x: x(i), y: h - 15, 'text-anchor': 'middle', 'font-size': 11}, svg, d));
  segments.forEach((s, k) => {
    const points = data.sizes.filter(r => r[1] === s).map(r => [x(dates.indexOf(r[0])), y(r[2])]);
    const color = palette[k % palette.length];
    el('polyline', {points: points.map(p => p.join(',')).join(' '), fill: 'none', stroke: color, 'stroke-width': 2}, svg);
    points.forEach(p => { el('circle', {cx: p[0], cy: p[1], r: 4, fill: color, class: 'mark'}, svg); marks++; });
    el('text', {x: w - 190, y: top + 14 * k + 10, fill: color, 'font-size': 12}, svg, s);
  });
  return marks;
}
function grid(svg, rows, cols, value, label, cell, offset) {
  let marks = 0;
  const max = Math.max(1e-9, ...rows.flatMap(r => cols.map(c => value(r, c) ?? 0)));
  rows.forEach((r, i) => {
    el('text', {x: offset - 6, y: 20 + i * cell + cell / 2 + 4, 'text-anchor': 'end', 'font-size': 11}, svg, r);
    svg.setAttribute('height', 20 + rows.length * cell + 30);
  cols.forEach((c, j) => {
      const v = value(r, c);
      if (v === undefined) return;
      el('rect', {x: offset + j * cell, y: 20 + i * cell, width: cell - 2, height: cell - 2, fill: shade(v / max), class: 'mark'}, svg);
      el('text', {x: offset + j * cell + cell / 2, y: 20 + i * cell + cell / 2 + 4, 'text-anchor': 'middle', 'font-size': 10}, svg, label(v));
      marks++;
    });
  });
  svg.setAttribute('height', 20 + rows.length * cell + 30);
  cols.forEach((c, j) => el('text', {x: offset + j * cell + cell / 2, y: 20 + rows.length * cell + 14, 'text-anchor': 'middle', 'font-size': 10}, svg, c));
  return marks;
}
function overlapChart(svg) {
  const segments = [...new Set(data.overlap.flatMap(r => [r[0], r[1]]))].sort();
  const jaccard = {};
  data.overlap.forEach(r => { const j = r[3] ? r[2] / r[3] : 0; jaccard[r[0] + '|' + r[1]] = j; jaccard[r[1] + '|' + r[0]] = j; });
  return grid(svg, segments, segments.map((s, i) => i + 1), (r, c) => r === segments[c - 1] ? undefined : jaccard[r + '|' + segments[c - 1]],
              v => v.toFixed(2), 44, 220);
}
function rfmChart(svg) {
  const counts = {};
  data.rfm.forEach(r => counts[r[0] + '|' + r[1]] = r[2]);
  return grid(svg, [5, 4, 3, 2, 1], [1, 2, 3, 4, 5], (r, c) => counts[r + '|' + c] ?? 0, v => v, 56, 40);
}
const charts = {sizes: lineChart, overlap: overlapChart, rfm: rfmChart};
for (const svg of document.querySelectorAll('svg.chart')) {
  svg.setAttribute('data-marks', charts[svg.id](svg));
}
document.body.setAttribute('data-rendered', 'true');
