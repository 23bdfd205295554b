"""A wrong answer that leaves a fast interval timer whose signal handler rewrites, in the frame
it interrupts, the variable the check asserts: mid-check, the check would see a right answer."""

import signal

result = 0


def _rewrite(_signum, frame):
    while frame is not None:
        if frame.f_code.co_filename == "<check>":  # only inside the check: it alone is fooled
            frame.f_globals["result"] = 42
        frame = frame.f_back


signal.signal(signal.SIGALRM, _rewrite)
signal.setitimer(signal.ITIMER_REAL, 0.00005, 0.00005)
signal.signal(signal.SIGPROF, _rewrite)
signal.setitimer(signal.ITIMER_PROF, 0.0001, 0.0001)
