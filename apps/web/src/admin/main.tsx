import { render } from 'preact';
import '../shared/styles.css';
import './admin.css';
import { AdminApp } from './app.tsx';

render(<AdminApp />, document.getElementById('app')!);
