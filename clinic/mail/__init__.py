"""Messages to partners and counselors: the outbox queue and schedule (queue.py), claiming and
sending (sending.py), what a message says (compose.py) and how it travels (senders.py: email
over SMTP, and the seam for another channel).
No views: the counselor's outbox page is clinic/outbox.py."""
