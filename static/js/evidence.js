/* Evidence images side by side, zoomable: each image is a toggle button;
 * pressing one (click, Enter or Space) enlarges the listing photos and the
 * matched references together, in full resolution, so they can be compared;
 * pressing again or Escape shrinks them back. Static file: the CSP forbids
 * inline scripts.
 */
(function () {
  "use strict";

  var evidence = document.getElementById("evidence");
  if (!evidence) return;
  var buttons = Array.prototype.slice.call(evidence.querySelectorAll("button.zoom-toggle"));

  function setZoom(on) {
    evidence.classList.toggle("is-zoomed", on);
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      var img = button.querySelector("img");
      if (!img) return;
      // thumbnails while small, the full image once enlarged
      if (!img.dataset.thumb) img.dataset.thumb = img.getAttribute("src");
      var src = on ? button.dataset.full || img.dataset.thumb : img.dataset.thumb;
      if (img.getAttribute("src") !== src) img.setAttribute("src", src);
    });
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      setZoom(!evidence.classList.contains("is-zoomed"));
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && evidence.classList.contains("is-zoomed")) setZoom(false);
  });
})();
