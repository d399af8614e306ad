/** How a foreground command (start, proxy, simulate) runs until Ctrl-C or a stop signal. */

export interface StopSignal {
  /** The first SIGINT or SIGTERM; the handlers are gone once it arrived, so a second one kills. */
  received: Promise<NodeJS.Signals>;
  /** Removes the handlers: a start that failed has nothing left to stop. */
  cancel(): void;
}

/** Handles SIGINT and SIGTERM from now on, instead of Node's default of ending the process. */
export function stopSignal(): StopSignal {
  let cancel = () => {};
  const received = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      cancel();
      resolve(signal);
    };
    cancel = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return { received, cancel };
}
