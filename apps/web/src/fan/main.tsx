import { render } from 'preact';
import '../shared/styles.css';
import { FanApp } from './app.tsx';

render(<FanApp />, document.getElementById('app')!);
