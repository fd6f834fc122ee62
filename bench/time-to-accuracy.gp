# Validation mean IoU against wall-clock seconds, one point per epoch, for
# imatseg and PyTorch (bench/time-to-accuracy writes dat).
#   gnuplot -e "dat='curves.tsv'; out='t.png'; budget=1800" time-to-accuracy.gp
set terminal pngcairo size 900,500 font "sans,10"
set output out
set datafile separator "\t"
set title "time to accuracy: the same recipe, the same data, 2 threads"
set xlabel "seconds of training (validation included)"
set ylabel "validation mean IoU"
set grid
set key bottom right
set yrange [0:*]
set xrange [0:*]
set arrow from budget, graph 0 to budget, graph 1 nohead dashtype 2
plot dat using (strcol(1) eq "imatseg" ? $3 : NaN):4 skip 1 with linespoints pt 7 ps 0.5 title "imatseg", \
     dat using (strcol(1) eq "pytorch" ? $3 : NaN):4 skip 1 with linespoints pt 5 ps 0.5 title "PyTorch"
