// A short message in the page's live region (read out by screen readers), cleared after a while.

let timer = null;

export function notify(message) {
  const notice = document.getElementById("notice");
  notice.textContent = message;
  clearTimeout(timer);
  timer = setTimeout(() => {
    notice.textContent = "";
  }, 6000);
}
