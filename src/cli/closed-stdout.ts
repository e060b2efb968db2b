/**
 * `crier status | head -1`: the reader closes the pipe and the next write fails with EPIPE. Like
 * any Unix tool, Crier then stops writing quietly and ends as it would have: no stack trace, exit 0
 * (Node ignores SIGPIPE, so without this the error event would crash the process). Any other
 * stream error is still thrown.
 */
export function quietWhenStdoutCloses(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}
