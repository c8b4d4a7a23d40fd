import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startStores } from './stores/startStores';
import './styles.css';

// The stores' feeds start here, once, before anything renders.
startStores();

const root = document.getElementById('root');
if (!root) throw new Error('Hopline: #root element missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
