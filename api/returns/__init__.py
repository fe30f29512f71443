"""The statutory returns resource: the DfE CIN census and Ofsted Annex A lists, as CSV, for managers."""
