// A bar chart drawn as SVG elements whose sizes are attributes, not styles: the Content-Security-Policy
// allows no inline style, and nothing here needs one. Each chart is an image with a text summary; the
// numbers themselves are in a table beside it for anyone who cannot see the bars.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/** ``values``: [{label, value}], drawn left to right; ``describe(value)`` writes a value for people. */
export function barChart(title, values, describe) {
  const width = 720;
  const height = 180;
  const gap = 2;
  const top = Math.max(0, ...values.map((v) => v.value));
  const barWidth = values.length ? width / values.length - gap : 0;
  const peak = values.find((v) => v.value === top);
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${width} ${height + 20}`, role: "img", class: "chart" },
    svg("title", {}, `${title}: highest ${peak ? `${describe(top)} on ${peak.label}` : "none"}`),
  );
  values.forEach((v, i) => {
    const barHeight = top ? Math.max(v.value ? 1 : 0, (v.value / top) * height) : 0;
    const bar = svg("rect", {
      x: i * (barWidth + gap),
      y: height - barHeight,
      width: Math.max(1, barWidth),
      height: barHeight,
      class: "bar",
    });
    bar.append(svg("title", {}, `${v.label}: ${describe(v.value)}`));
    chart.append(bar);
  });
  chart.append(svg("line", { x1: 0, x2: width, y1: height + 0.5, y2: height + 0.5, class: "axis" }));
  chart.append(svg("text", { x: 4, y: 14, class: "tick" }, `highest: ${top ? describe(top) : "none"}`));
  if (values.length) {
    chart.append(svg("text", { x: 0, y: height + 16, class: "tick" }, values[0].label));
    chart.append(svg("text", { x: width, y: height + 16, class: "tick", "text-anchor": "end" }, values.at(-1).label));
  }
  return chart;
}
