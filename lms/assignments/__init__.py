"""Assigned training: assignments of courses to org subtrees x staff
categories, their members, and reminder e-mails through an outbox."""
