// Progressive enhancement only: every page works without JavaScript.
import { initAll } from '/assets/govuk/govuk-frontend.min.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
initAll();

// Questions that depend on an earlier answer on the same page (data-show-if):
// hidden until that answer is chosen. Without JavaScript they all show, and
// the server ignores those that do not apply.
for (const dependent of document.querySelectorAll('[data-show-if]')) {
  const name = dependent.getAttribute('data-show-if');
  const values = (dependent.getAttribute('data-show-if-values') || '').split(' ');
  const controls = document.querySelectorAll(`input[name="${CSS.escape(name)}"]`);
  const update = () => {
    const shown = [...controls].some((input) => input.checked && values.includes(input.value));
    dependent.hidden = !shown;
  };
  controls.forEach((input) => input.addEventListener('change', update));
  update();
}

// The feedback form says what size the window is, and shows it before sending.
// Without JavaScript the field stays empty and the page says "not known".
for (const input of document.querySelectorAll('input[data-capture="viewport"]')) {
  input.value = `${window.innerWidth}x${window.innerHeight}`;
  const shown = document.getElementById(input.getAttribute('data-shows-in') || '');
  if (shown) shown.textContent = `${window.innerWidth} × ${window.innerHeight}`;
}
