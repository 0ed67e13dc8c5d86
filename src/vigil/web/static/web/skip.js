// The skip link moves the keyboard focus to the main content itself, not only the view:
// a page whose scripts handle the address's #fragment (the API docs' Swagger UI) would
// otherwise leave the focus on the link.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.skip-link");
  if (!link) return;
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  target.focus();
  target.scrollIntoView();
});
