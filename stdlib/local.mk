# stdlib/local.mk: tmsl files that `use NAME;` finds, installed to $(pkgdatadir).
dist_pkgdata_DATA += stdlib/paper.tmsl
