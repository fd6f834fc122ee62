# The data at a glance: four bar charts of what eda.sh extracts from a
# `rle2mask --stats` table.   gnuplot -e "dir='DIR'" eda.gp
# reads DIR/{categories,share,objects,attributes}.dat (tab-separated)
# and writes DIR/{categories,share,objects,attributes}.png.
set terminal pngcairo size 1100,520 font "sans,10"
set datafile separator "\t"
set style fill solid 0.85 border -1
set boxwidth 0.8
set grid ytics
set key off
set yrange [0:*]

# per category: names under the bars, slanted, the largest first
set bmargin 11
set xtics rotate by 50 right nomirror font ",9"
set xrange [-1:*]
set output dir."/categories.png"
set title "Images per category (categories present, most frequent first)"
set ylabel "images"
plot dir."/categories.dat" using 0:2:xtic(1) with boxes lc rgb "#3b6ea5"

set output dir."/share.png"
set title "Mask area per category: mean share of its image an object covers"
set ylabel "share of the image"
set format y "%.0f%%"
plot dir."/share.dat" using 0:($2 * 100):xtic(1) with boxes lc rgb "#c0504d"

# histograms: counts under the bars
unset format
set format y "%g"
set bmargin 4
set xtics norotate autofreq nomirror font ",10"
set offsets 0, 0.6, 0, 0
set xrange [0.4:*]
set output dir."/objects.png"
set title "Objects (annotation rows) per image"
set xlabel "objects in the image"
set ylabel "images"
plot dir."/objects.dat" using 1:2 with boxes lc rgb "#4f9a5a"

set xtics 1
set xrange [-0.6:*]
set output dir."/attributes.png"
set title "Attributes per object"
set xlabel "attributes on the object"
set ylabel "objects"
plot dir."/attributes.dat" using 1:2 with boxes lc rgb "#8064a2"
