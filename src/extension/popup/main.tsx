import { render } from 'preact';
import { App, TABS, type Tab } from './App.tsx';
import './styles.css';

// `popup.html#sites` opens a section directly (used by screenshots and by links from notifications).
const hash = location.hash.slice(1);
const initial = TABS.some(([id]) => id === hash) ? (hash as Tab) : undefined;
render(<App {...(initial ? { initialTab: initial } : {})} />, document.getElementById('app')!);
