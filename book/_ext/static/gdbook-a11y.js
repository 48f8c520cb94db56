// The colour-mode button of pydata-sphinx-theme is named "Color mode" (its aria-label and
// its tooltip), but each of its icons has a title of its own ("Light", "Dark", "System
// Settings"), which Font Awesome turns into an <svg><title>: text inside the button that
// the button's name does not contain (WCAG 2.5.3, label in name), and a second tooltip
// that names the button otherwise. The icons only decorate a button that is named already:
// drop their titles and hide them from assistive technology. Font Awesome copies an <i>'s
// attributes to the <svg> that replaces it, and the observer catches an icon replaced
// later, so this holds whichever script runs first.
(function () {
  function plainIcons(button) {
    button.querySelectorAll(".theme-switch").forEach(function (icon) {
      icon.removeAttribute("title");
      icon.removeAttribute("aria-labelledby");
      icon.setAttribute("aria-hidden", "true");
      icon.querySelectorAll("title").forEach(function (title) { title.remove(); });
    });
  }
  function start() {
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      plainIcons(button);
      new MutationObserver(function () { plainIcons(button); }).observe(button, {childList: true});
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
