// Polls while a page is open: one request at a time (the next waits for the answer), slower after an
// error, and stopped by the function it returns, which the page hands back to the router.

export function poll(task, intervalMs = 2000) {
  let stopped = false;
  let timer = null;
  const run = async () => {
    let wait = intervalMs;
    try {
      if ((await task()) === false) stopped = true; // the task says there is nothing more to watch
    } catch {
      wait = intervalMs * 3;
    }
    if (!stopped) timer = setTimeout(run, wait);
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
