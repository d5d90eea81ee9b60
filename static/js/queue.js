/* Keyboard shortcuts for the suspect queue.
 *
 *   j / k   next / previous row (the current row is focused and outlined)
 *   i       infringing, n  not infringing (the row's one-click buttons, so the
 *           same htmx request replaces the row without reloading the page)
 *   x       select the row for a bulk judgment
 *   ?       show or hide the list of shortcuts; Escape hides it
 *
 * Keys typed into a form field, or pressed with Ctrl, Alt or Meta, are left
 * alone. Loaded from a static file: the CSP forbids inline scripts.
 */
(function () {
  "use strict";

  var queue = document.getElementById("suspect-queue");
  if (!queue) return;
  var help = document.getElementById("shortcut-help");
  var currentId = null;
  // After a judgment by key, move on once htmx has swapped the row in.
  var advanceAfterSwap = null;

  function rows() {
    return Array.prototype.slice.call(queue.querySelectorAll("tbody tr.suspect-row"));
  }

  function current() {
    return currentId ? document.getElementById(currentId) : null;
  }

  function select(row) {
    var old = current();
    if (old) old.classList.remove("is-current");
    if (!row) {
      currentId = null;
      return;
    }
    currentId = row.id;
    row.classList.add("is-current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = index === -1 ? (step > 0 ? 0 : all.length - 1) : index + step;
    if (next >= 0 && next < all.length) select(all[next]);
  }

  function judge(verdict) {
    var row = current();
    if (!row) return;
    var button = row.querySelector('button[data-verdict="' + verdict + '"]');
    if (!button) return; // already complained: nothing to judge
    advanceAfterSwap = row.id;
    button.click();
  }

  function toggleSelected() {
    var row = current();
    var box = row && row.querySelector('input[type="checkbox"][name="ids"]');
    if (box) box.checked = !box.checked;
  }

  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close();
    else help.showModal();
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
    if (help && help.open) {
      if (event.key === "?") {
        event.preventDefault();
        help.close();
      }
      return; // the dialog is modal: Escape closes it natively
    }
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      i: function () { judge("infringing"); },
      n: function () { judge("not_infringing"); },
      x: toggleSelected,
      "?": toggleHelp,
    };
    var action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // A click on a row makes it the current one, so keys and mouse agree.
  queue.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr.suspect-row");
    if (row && row.id !== currentId) {
      var old = current();
      if (old) old.classList.remove("is-current");
      currentId = row.id;
      row.classList.add("is-current");
    }
  });

  // htmx replaced the judged row (outerHTML): restore the outline on the new
  // element and, after a judgment by key, go on to the next row.
  document.body.addEventListener("htmx:afterSettle", function () {
    var row = current();
    if (!row) return;
    row.classList.add("is-current");
    if (advanceAfterSwap === row.id) {
      advanceAfterSwap = null;
      var all = rows();
      var index = all.indexOf(row);
      select(index + 1 < all.length ? all[index + 1] : row);
    } else if (!document.activeElement || document.activeElement === document.body) {
      row.focus({ preventScroll: true });
    }
  });

  var opener = document.getElementById("shortcut-help-open");
  if (opener) opener.addEventListener("click", toggleHelp);
})();
