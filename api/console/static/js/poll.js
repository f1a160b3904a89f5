// Polls while a page is open: one request at a time (the next waits for the answer), slower after an
// error, and stopped by the function it returns, which the page hands back to the router. That function's
// ``now()`` polls at once (a page that just asked for more), unless a poll is already under way.

export function poll(task, intervalMs = 2000) {
  let stopped = false;
  let busy = false;
  let timer = null;
  const run = async () => {
    busy = true;
    let wait = intervalMs;
    try {
      if ((await task()) === false) stopped = true; // the task says there is nothing more to watch
    } catch {
      wait = intervalMs * 3;
    }
    busy = false;
    if (!stopped) timer = setTimeout(run, wait);
  };
  run();
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };
  stop.now = () => {
    if (stopped || busy) return;
    clearTimeout(timer);
    run();
  };
  return stop;
}
