import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import annotationPlugin from 'chartjs-plugin-annotation';

// Bundled, tree-shaken Chart.js (no CDN): what the alarm KPI charts draw, registered once.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend, annotationPlugin);

export { Chart };
