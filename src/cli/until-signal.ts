/** How a foreground command (start, proxy, simulate) runs until Ctrl-C or a stop signal. */

/** Resolves once SIGINT or SIGTERM arrived and `stop` (given that signal) has finished. */
export function untilSignal(stop: (signal: NodeJS.Signals) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void stop(signal).then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
