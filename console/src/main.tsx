// Entry point of the web console: mounts the app into the page.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <h1>Paybridge console</h1>
    </StrictMode>,
  );
}
