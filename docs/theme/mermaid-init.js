// Turns every ```mermaid block of the book into a diagram in the browser.
// mdbook renders such a block as <pre><code class="language-mermaid">; the
// diagram's source stays in the Markdown, so a diagram cannot drift from
// the text the way a screenshot would. mermaid.min.js is mermaid 11
// (MIT, see mermaid.LICENSE), kept here so the book builds offline.
(function () {
  const dark = ["coal", "navy", "ayu"].some((t) =>
    document.documentElement.classList.contains(t));
  mermaid.initialize({ startOnLoad: false, theme: dark ? "dark" : "default" });
  const blocks = document.querySelectorAll("code.language-mermaid");
  for (const code of blocks) {
    const pre = code.parentElement;
    const div = document.createElement("div");
    div.className = "mermaid";
    div.textContent = code.textContent;
    pre.replaceWith(div);
  }
  // A diagram that does not parse is drawn as mermaid's error picture;
  // the reason (line and token) goes to the console, where
  // scripts/browser-check reports it.
  mermaid.run({ querySelector: "div.mermaid" }).catch((err) => {
    console.error("mermaid: " + ((err && err.message) || err));
  });
})();
