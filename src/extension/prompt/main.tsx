import { render } from 'preact';
import { Prompt } from './Prompt.tsx';
import '../popup/styles.css';

document.body.classList.add('prompt');
const id = new URLSearchParams(location.search).get('id') ?? '';
render(<Prompt id={id} />, document.getElementById('app')!);
