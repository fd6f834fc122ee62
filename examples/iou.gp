# Per-category IoU as bars, from "id<TAB>name<TAB>iou" lines.
#   gnuplot -e "dat='iou.dat'; out='iou.png'" iou.gp
set terminal pngcairo size 1000,480 font "sans,9"
set output out
set datafile separator "\t"
set style fill solid 0.8 border -1
set boxwidth 0.7
set yrange [0:1]
set grid ytics
set ylabel "IoU"
set title "validation IoU per category"
set xtics rotate by -50 left
plot dat using 0:3:xtic(2) with boxes notitle lc rgb "#3b7dd8"
