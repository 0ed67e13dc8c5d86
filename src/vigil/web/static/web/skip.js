// /api/docs only: the skip link moves the keyboard focus to the main content itself.
// Swagger UI handles the address's #fragment, which otherwise leaves the focus on the
// link (every other page needs no script for it).
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.skip-link");
  if (!link) return;
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  target.focus();
  target.scrollIntoView();
});
