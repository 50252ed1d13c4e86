"""Documents made from results: the study report, its tables and the through waybill."""
