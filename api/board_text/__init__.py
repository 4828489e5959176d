"""A lesson's board and slide text (板书/课件): the second timeline beside the transcript."""
