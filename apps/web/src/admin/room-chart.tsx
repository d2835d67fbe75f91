import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One room's samples, oldest first: seconds since the epoch, and the three series. */
export interface RoomHistory {
  t: number[];
  waiting: number[];
  active: number[];
  admittedPerSecond: number[];
}

const HEIGHT = 190;

/**
 * Waiting and active (left axis) and admissions a second (right axis) over the last minutes, drawn
 * by uPlot. `samples` changes on every poll, which hands uPlot the grown arrays.
 */
export function RoomChart({ history, samples }: { history: RoomHistory; samples: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(260, el.clientWidth),
      height: HEIGHT,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, count: { auto: true }, rate: { auto: true } },
      axes: [
        { stroke: '#8d8aa3', grid: { stroke: '#eeedf5' } },
        { scale: 'count', stroke: '#8d8aa3', grid: { stroke: '#eeedf5' }, size: 50 },
        { scale: 'rate', side: 1, stroke: '#ff4f7b', grid: { show: false }, size: 44 },
      ],
      series: [
        {},
        { label: 'Waiting', scale: 'count', stroke: '#5b2ee0', width: 2, fill: 'rgba(91,46,224,0.08)' },
        { label: 'Active', scale: 'count', stroke: '#0f8a5f', width: 2 },
        { label: 'Admitted/s', scale: 'rate', stroke: '#ff4f7b', width: 2, dash: [6, 4] },
      ],
    };
    plot.current = new uPlot(opts, toData(history), el);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(260, el.clientWidth), height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(toData(history));
  }, [history, samples]);

  return <div class="room-chart" ref={box} data-testid="room-chart" data-points={samples} />;
}

function toData(h: RoomHistory): uPlot.AlignedData {
  return [h.t, h.waiting, h.active, h.admittedPerSecond];
}
