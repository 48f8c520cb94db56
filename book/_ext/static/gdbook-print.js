/* The book on paper: a reader's "Print" on any page, and the PDF that `make pdf`
   prints from the single-page book (tools/print_pdf.py).

   A static explorer is a slider over pre-rendered frames; paper has no slider.
   Next to each explorer this adds a figure, shown only in print
   (gdbook-print.css), of four of its frames evenly spaced over its grid (the
   first, about a third, about two thirds and the last), each captioned with its
   slider values and the explorer's message. On screen nothing changes. */
(function () {
  "use strict";
  var COUNT = 4;

  // Indices of the frames to print: evenly spaced, first and last included.
  function chosen(total) {
    var picked = [];
    for (var k = 0; k < COUNT; k++) {
      var index = Math.round((k * (total - 1)) / (COUNT - 1));
      if (picked.indexOf(index) < 0) picked.push(index);
    }
    return picked;
  }

  // "lr = 0.01, steps = 20": the slider values of a frame, numbered as the player
  // numbers them (the last slider varies fastest).
  function settings(box, index) {
    var parts = [];
    var controls = box.querySelectorAll(".gd-static-control");
    for (var c = controls.length - 1; c >= 0; c--) {
      var labels = JSON.parse(controls[c].querySelector("input").dataset.labels);
      parts.unshift(controls[c].firstChild.textContent.trim() + " = " + labels[index % labels.length]);
      index = Math.floor(index / labels.length);
    }
    return parts.join(", ");
  }

  function printStrip(box) {
    var frames = JSON.parse(box.querySelector("script[type='application/json']").textContent);
    var strip = document.createElement("figure");
    strip.className = "gd-print-strip";
    chosen(frames.length).forEach(function (index) {
      var frame = document.createElement("figure");
      var img = document.createElement("img");
      var caption = document.createElement("figcaption");
      var values = document.createElement("strong");
      // On the website a frame is a file (gdtwins.py); in the single-page book
      // that make pdf prints, it is inline. Paper is light: the light frame.
      img.src = frames[index].src || "data:image/webp;base64," + frames[index].image;
      img.alt = frames[index].alt;
      values.textContent = settings(box, index);
      caption.appendChild(values);
      if (frames[index].message) caption.appendChild(document.createTextNode(" " + frames[index].message));
      frame.appendChild(img);
      frame.appendChild(caption);
      strip.appendChild(frame);
    });
    var note = document.createElement("figcaption");
    note.className = "gd-print-strip-note";
    note.textContent = "The explorer at " + strip.children.length + " settings of its sliders. " +
      "Run the notebook to move them yourself.";
    strip.appendChild(note);
    box.parentNode.insertBefore(strip, box.nextSibling);
  }

  function addStrips() {
    document.querySelectorAll(".gd-static-explorer").forEach(function (box) {
      var next = box.nextElementSibling;
      while (next && next.tagName === "SCRIPT") next = next.nextElementSibling;
      if (!(next && next.classList.contains("gd-print-strip"))) printStrip(box);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", addStrips);
  else addStrips();
})();
