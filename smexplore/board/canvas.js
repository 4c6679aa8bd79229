// The board's drawing: one SVG of rows (people), load cells (person-days) and bars (records).
// Hovering a bar or a cell names it (a tooltip, and `hovered` for Python); clicking a bar selects it
// (`selected`, the bar's key). Python sends plain data: positions are fractions of the period's width.

const SVG = "http://www.w3.org/2000/svg";
const LABEL = 190, ROW = 30, HEAD = 22, WIDTH = 980;
const KIND_COLOURS = {
  booking: "#3b73b9", recorded: "#7aa6d8", allocation: "#2e9e6a", placeholder: "#c9a227",
  time_off: "#9e9e9e", time_entry: "#8e6bbf", task: "#d9822b", job: "#b0b7c3",
};
const LEVEL_COLOURS = { under: "#e8f3ea", near: "#fdf0c8", over: "#f7d0cc", none: "#f4f4f4" };

function element(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function render({ model, el }) {
  el.classList.add("smexplore-board-canvas");
  const holder = document.createElement("div");
  holder.style.position = "relative";
  const tooltip = document.createElement("div");  // floats beside the pointer
  tooltip.className = "smexplore-board-tooltip";
  Object.assign(tooltip.style, {
    position: "absolute", display: "none", pointerEvents: "none", background: "#fffff4", border: "1px solid #999",
    padding: "3px 6px", fontSize: "12px", maxWidth: "420px", boxShadow: "1px 1px 3px rgba(0,0,0,.2)", zIndex: 10,
  });
  const legend = document.createElement("div");
  legend.className = "smexplore-board-legend";
  Object.assign(legend.style, { fontSize: "11px", margin: "4px 0 0 4px", color: "#333" });
  const swatch = (colour, text) =>
    `<span style="display:inline-block;width:10px;height:10px;background:${colour};margin:0 3px 0 10px"></span>${text}`;
  legend.innerHTML = Object.entries(KIND_COLOURS).map(([kind, colour]) => swatch(colour, kind.replace("_", " "))).join("")
    + "<br>" + [["under", "load under 85%"], ["near", "85–100%"], ["over", "over capacity"], ["none", "no capacity"]]
      .map(([level, text]) => swatch(LEVEL_COLOURS[level], text)).join("")
    + "; amounts of work (hours for the day) are the thin strips under the timed bars";
  el.appendChild(holder);
  el.appendChild(legend);
  holder.appendChild(tooltip);

  function hover(text, event) {
    tooltip.textContent = text;
    const box = holder.getBoundingClientRect();
    tooltip.style.left = `${Math.min(event.clientX - box.left + 12, WIDTH - 300)}px`;
    tooltip.style.top = `${event.clientY - box.top + 14}px`;
    tooltip.style.display = "block";
    model.set("hovered", text);
    model.save_changes();
  }

  function draw() {
    holder.textContent = "";
    holder.appendChild(tooltip);
    tooltip.style.display = "none";
    const rows = model.get("rows"), bars = model.get("bars"), cells = model.get("cells");
    const days = model.get("days"), selected = model.get("selected");
    const span = WIDTH - LABEL;
    const height = HEAD + Math.max(rows.length, 1) * ROW + 4;
    const svg = element("svg", { width: WIDTH, height: height, class: "smexplore-board-svg",
                                 "font-family": "sans-serif", "font-size": "11" }, holder);
    days.forEach((day) => {
      const x = LABEL + day.x0 * span;
      element("line", { x1: x, x2: x, y1: HEAD - 4, y2: height, stroke: "#ddd" }, svg);
      const text = element("text", { x: x + 3, y: HEAD - 8, fill: "#444" }, svg);
      text.textContent = day.label;
    });
    if (!rows.length) {
      const text = element("text", { x: LABEL, y: HEAD + 18, fill: "#666", class: "smexplore-board-empty" }, svg);
      text.textContent = "Nobody to show for this period and these filters";
    }
    rows.forEach((label, i) => {
      const y = HEAD + i * ROW;
      element("line", { x1: 0, x2: WIDTH, y1: y + ROW, y2: y + ROW, stroke: "#eee" }, svg);
      const text = element("text", { x: 4, y: y + ROW / 2 + 4, class: "smexplore-board-row" }, svg);
      text.textContent = label.length > 30 ? label.slice(0, 29) + "…" : label;
      element("title", {}, text).textContent = label;
    });
    cells.forEach((cell) => {
      const rect = element("rect", {
        x: LABEL + cell.x0 * span + 1, y: HEAD + cell.row * ROW + 1, width: Math.max(1, (cell.x1 - cell.x0) * span - 2),
        height: ROW - 2, fill: LEVEL_COLOURS[cell.level] || LEVEL_COLOURS.none, class: `cell level-${cell.level}`,
      }, svg);
      element("title", {}, rect).textContent = cell.text;
      rect.addEventListener("mouseenter", (event) => hover(cell.text, event));
      rect.addEventListener("mouseleave", () => { tooltip.style.display = "none"; });
    });
    bars.forEach((bar) => {
      const y = HEAD + bar.row * ROW + (bar.lane === "amount" ? ROW * 0.62 : ROW * 0.16);
      const h = bar.lane === "amount" ? ROW * 0.26 : ROW * 0.42;
      const rect = element("rect", {
        x: LABEL + bar.x0 * span, y: y, width: Math.max(2, (bar.x1 - bar.x0) * span), height: h, rx: 2,
        fill: KIND_COLOURS[bar.kind] || "#555", "fill-opacity": bar.lane === "amount" ? 0.75 : 0.95,
        stroke: bar.key === selected ? "#000" : "none", "stroke-width": 2,
        class: `bar kind-${bar.kind} source-${bar.source}` + (bar.key === selected ? " selected" : ""),
        "data-key": bar.key, "data-source": bar.source, "data-kind": bar.kind,
      }, svg);
      rect.style.cursor = "pointer";
      element("title", {}, rect).textContent = bar.text;
      rect.addEventListener("mouseenter", (event) => hover(bar.text, event));
      rect.addEventListener("mouseleave", () => { tooltip.style.display = "none"; });
      rect.addEventListener("click", () => {
        model.set("selected", bar.key);
        model.save_changes();
      });
    });
  }

  for (const name of ["rows", "bars", "cells", "days", "selected"]) model.on(`change:${name}`, draw);
  draw();
}

export default { render };
