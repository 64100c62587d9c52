"""Editorial: Diskominfo's editors review, edit, send back, reject, approve, correct, take down."""
