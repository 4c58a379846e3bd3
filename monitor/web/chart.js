// Line charts over the feed's samples, drawn by uPlot (served from node_modules at /vendor/).
import uPlot from '/vendor/uPlot.esm.js';

const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** A chart whose series are named by `labels`; update(samples) redraws it. */
export function lineChart(container, title, labels, pick) {
  const width = () => Math.max(240, container.clientWidth - 4);
  const textColor = getComputedStyle(document.body).color;
  const axis = { stroke: textColor, grid: { stroke: '#8884', width: 1 }, ticks: { stroke: '#8886' } };
  let plot;
  let names = labels;
  const build = (data) => {
    plot?.destroy();
    plot = new uPlot({
      title, width: width(), height: 220,
      series: [{}, ...names.map((label, i) => ({ label, stroke: colors[i % colors.length], width: 2, points: { show: false } }))],
      axes: [axis, { ...axis, size: 60 }],
      scales: { y: { range: (_u, min, max) => [0, Math.max(1, max * 1.1)] } },
    }, data, container);
    container.querySelector('.uplot')?.setAttribute('aria-label', `${title} chart`);
  };
  const observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: 220 }));
  observer.observe(container);
  return {
    update(samples, newLabels) {
      const data = [samples.map((sample) => sample.atMs / 1000), ...pick(samples, newLabels ?? names)];
      if (plot === undefined || (newLabels !== undefined && newLabels.join() !== names.join())) {
        names = newLabels ?? names;
        build([data[0], ...pick(samples, names)]);
      } else plot.setData(data);
    },
    destroy() {
      observer.disconnect();
      plot?.destroy();
    },
  };
}
